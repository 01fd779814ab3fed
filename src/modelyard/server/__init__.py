"""The HTTP server: FastAPI app factory, the request gate, error rendering, thin routes."""

from .app import create_app

__all__ = ["create_app"]
