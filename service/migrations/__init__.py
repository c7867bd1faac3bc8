"""Alembic migrations of the decision store, run by the service at start and by `fraudstream service migrate`."""
