"""The analyst console: server-rendered pages over the store, for analysts, supervisors and admins.

Users, sessions, login throttling, alert work and the audit log live in the store (`models`), so every service
replica shares them. Verdicts and actions publish to Kafka first (`publish`), then write the store.
"""
