"""HTTP API (FastAPI) mounted into the Reflex backend under /api."""
