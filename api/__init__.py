"""HTTP API (FastAPI) over published analyses."""
