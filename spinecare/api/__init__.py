"""HTTP adapters: the REST API and the CDS Hooks service (FastAPI)."""
