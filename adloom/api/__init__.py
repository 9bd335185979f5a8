"""The HTTP front door: REST API, Server-Sent Events and the web chat page (FastAPI)."""
