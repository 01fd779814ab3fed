"""What `modelyard serve` runs in each uvicorn worker: the server's app at the configured log
level, under the path prefix of a reverse proxy (`--root-path`, `MODELYARD_ROOT_PATH`).

Imported only by the workers (uvicorn's factory `modelyard.cli.serving:app_from_env`).
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard.server.app import app_from_env as server_app_from_env
from modelyard.settings import Settings


class PathPrefix:
    """Serve the API under a proxy's path prefix, such as `/registry`.

    The server's own layers (request gate, read cache, metrics, access log) read `scope["path"]`
    as the API's path, so the prefix is taken off the path here, whether the proxy passed it on
    or stripped it already, and set as `root_path`, from which FastAPI builds the links of
    `/docs` and the `servers` of `/openapi.json`. (uvicorn's own `root_path` leaves the prefix
    in `path`, and the gate then sees no `/v1` request at all: every one fails.)
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")
        self._raw_prefix = self.prefix.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            path: str = scope["path"]
            if path == self.prefix or path.startswith(f"{self.prefix}/"):
                scope["path"] = path[len(self.prefix) :] or "/"
                raw_path = scope.get("raw_path")
                if raw_path and raw_path.startswith(self._raw_prefix):
                    scope["raw_path"] = raw_path[len(self._raw_prefix) :] or b"/"
            scope["root_path"] = scope.get("root_path", "") + self.prefix
        await self.app(scope, receive, send)


def app_from_env() -> ASGIApp:
    settings = Settings()
    app: ASGIApp = server_app_from_env()
    # The server configures logging at INFO; the operator's level applies to every logger
    # below the root, the app's (modelyard.*) and uvicorn's alike.
    logging.getLogger().setLevel(settings.log_level.upper())
    if settings.root_path.rstrip("/"):
        app = PathPrefix(app, settings.root_path)
    return app
