"""The web console: server-rendered pages on the registry's services (docs/console.md)."""

from .app import console_app

__all__ = ["console_app"]
