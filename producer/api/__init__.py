"""The HTTP API (FastAPI): accounts, authorization links, the OAuth callback, tools, jobs."""
