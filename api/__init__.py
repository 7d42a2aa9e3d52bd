"""The node's HTTP API (FastAPI): routers per user, schemas, the public verify page."""
