"""Windowed entity state and the feature catalogue."""
