"""The risk service: a sink that writes decisions, alerts, blocks and versions from their topics into a store,
and an HTTP API that reads them. It never decides: the pipeline stays the single place decisions are made.

Layers: `store/` (SQLAlchemy models, migrations, writes, queries) knows no Kafka and no HTTP; `sink.py` is
the Kafka adapter into the store; `api/` is the HTTP adapter over it; `app.py` composes them from Settings.
"""
