"""The decision store: SQLAlchemy 2 models, Alembic migrations, writes (idempotent upserts) and queries.

SQLite (one file) is the embedded default, PostgreSQL the production store; both run the same statements.
Times are integer epoch milliseconds (`*_ms`), like everywhere in fraudstream.
"""
