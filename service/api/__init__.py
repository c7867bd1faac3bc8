"""HTTP adapters of the risk service (FastAPI routers)."""
