"""What `modelyard serve` runs in each uvicorn worker: the server's app at the configured log
level, under the path prefix of a reverse proxy (`--root-path`, `MODELYARD_ROOT_PATH`).

Imported only by the workers (uvicorn's factory `modelyard.cli.serving:app_from_env`).
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard.server.app import app_from_env as server_app_from_env
from modelyard.settings import Settings


class StripPrefix:
    """In front of the server: the API's own path, whether the proxy passed its prefix on or
    stripped it already. The server's layers in front of FastAPI (request gate, change lane, read
    cache, metrics, access log) read `scope["path"]` as the API's path. (uvicorn's own
    `root_path` leaves the prefix in `path`: the gate then sees no `/v1` request at all, and
    every one fails.)"""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self._raw_prefix = prefix.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and (
            path == self.prefix or path.startswith(f"{self.prefix}/")
        ):
            scope = dict(scope)
            scope["path"] = path[len(self.prefix) :] or "/"
            raw_path = scope.get("raw_path")
            if raw_path and raw_path.startswith(self._raw_prefix):
                scope["raw_path"] = raw_path[len(self._raw_prefix) :] or b"/"
        await self.app(scope, receive, send)


class RootPath:
    """Inside FastAPI (a middleware of its own): the prefix as ASGI wants it, in `root_path` and
    at the head of `path`, from which Starlette routes (its mounts too: /docs' assets), and
    FastAPI links /docs to /openapi.json and lists the prefix in the spec's `servers`."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self._raw_prefix = prefix.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            scope["root_path"] = self.prefix
            scope["path"] = self.prefix + scope["path"]
            if scope.get("raw_path"):
                scope["raw_path"] = self._raw_prefix + scope["raw_path"]
        await self.app(scope, receive, send)


def app_from_env() -> ASGIApp:
    """The uvicorn factory of `modelyard serve`'s workers: settings from the environment."""
    settings = Settings()
    app = server_app_from_env()
    # The server configures logging at INFO; the operator's level applies to every logger
    # below the root, the app's (modelyard.*) and uvicorn's alike.
    logging.getLogger().setLevel(settings.log_level.upper())
    prefix = settings.root_path.rstrip("/")
    if not prefix:
        return app
    app.api.add_middleware(RootPath, prefix=prefix)
    return StripPrefix(app, prefix)
