"""The app factory. Settings come in; nothing is read from the environment here.

What is served, outermost first:

    Observe      times each request; the access log and metrics record it      (here)
    Dispatch     route -> gate -> parameters/body -> handler -> answer          (dispatch.py)
      the operations, each declared once with its handler                      (routes/)
    FastAPI      whatever matched no operation: /docs, /openapi.json, 404s      (here)
      /console   the web console, mounted; `/` redirects there                 (console/)
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard._version import __version__
from modelyard.console import console_app
from modelyard.registry.aliases import AliasService
from modelyard.registry.audit import AuditService
from modelyard.registry.memo import RevisionMemo
from modelyard.registry.models import ModelService
from modelyard.registry.tenancy import TenancyService
from modelyard.registry.webhooks import WebhookService
from modelyard.settings import Settings
from modelyard.store.engine import Store

from . import answers
from .access_log import AccessLog, configure_logging
from .dispatch import Dispatch, Router
from .gate import Gate
from .key_usage import KeyUsage
from .metrics import Metrics
from .openapi import openapi_document
from .operations import RequestState, Services
from .ratelimit import FailedAuthThrottle, RateLimiter
from .routes import OPERATIONS
from .webhook_dispatcher import Dispatcher

TITLE = "Modelyard"
# Requests in flight at which this process counts as busy, and for how long after the last time
# there were: webhook deliveries then slow down. Held, because the count drops to nothing for an
# instant after each group commit answers its batch, the moment a commit wakes the dispatcher.
BUSY_REQUESTS = 2
BUSY_SECONDS = 0.5
SUMMARY = "A self-hosted model registry that speaks Mistral's Models API."


class App:
    """The ASGI app, with the services and the FastAPI app behind the operations."""

    def __init__(self, services: Services, api: FastAPI, memo: RevisionMemo, asgi: ASGIApp) -> None:
        self.services = services
        self.api = api
        self.memo = memo
        self._asgi = asgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


class Recorder(Protocol):
    def record(
        self, scope: Scope, state: RequestState | None, status: int, seconds: float
    ) -> None: ...


class Observe:
    """The outermost layer: times every request and hands it to the recorders."""

    def __init__(self, app: ASGIApp, recorders: list[Recorder]) -> None:
        self.app = app
        self.recorders = recorders
        # Requests being served right now, and when a request last began with others in flight:
        # the webhook dispatcher yields while the API is busy.
        self.in_flight = 0
        self.busy_at = float("-inf")

    def busy(self) -> bool:
        return time.perf_counter() - self.busy_at < BUSY_SECONDS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.in_flight += 1
        if self.in_flight >= BUSY_REQUESTS:
            self.busy_at = started
        try:
            await self.app(scope, receive, watch)
        finally:
            self.in_flight -= 1
            seconds = time.perf_counter() - started
            state = RequestState.of(scope)
            for recorder in self.recorders:
                recorder.record(scope, state, status, seconds)


class RootPath:
    """Behind a reverse proxy that serves the API under a prefix (`--root-path /registry`): the
    prefix in `root_path` and at the head of `path`, as ASGI wants them, whether the proxy passed
    it on (the request line unchanged, so an id's `%2F` stays intact) or stripped it. Every layer
    then routes on the path below the prefix, and links and `Location`s are built with it.

    (uvicorn's own `root_path` would prepend the prefix to every path, doubling it when the
    proxy passes it on.)"""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self._raw_prefix = prefix.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            scope["root_path"] = self.prefix
            path: str = scope["path"]
            if path != self.prefix and not path.startswith(f"{self.prefix}/"):
                scope["path"] = self.prefix + path
                if scope.get("raw_path"):
                    scope["raw_path"] = self._raw_prefix + scope["raw_path"]
        await self.app(scope, receive, send)


def create_app(settings: Settings, store: Store | None = None) -> App:
    """The ASGI app on a migrated, synced store (see `modelyard.server.startup.prepare`)."""
    store = store or Store.from_url(settings.database_url, settings.store_timeout)
    models = ModelService()
    services = Services(
        settings,
        store,
        models,
        TenancyService(),
        AuditService(),
        AliasService(models),
        WebhookService(allow_private=settings.webhook_allow_private),
    )
    probe = store.probe()
    recorders: list[Recorder] = [Metrics()]
    access_log = AccessLog(settings.log_format) if settings.access_log else None
    if access_log is not None:
        recorders.append(access_log)

    key_usage = KeyUsage(store)
    dispatcher = Dispatcher(store, settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        key_usage.start()
        dispatcher.start()  # webhooks: one dispatcher per process, off the requests' path
        yield
        await dispatcher.stop()
        await key_usage.stop()
        if access_log is not None:
            access_log.flush()  # the last half second's lines, on a graceful stop
        await probe.aclose()

    # FastAPIOffline: /docs and /redoc serve their assets from the package, no CDN needed.
    api = FastAPIOffline(lifespan=lifespan, title=TITLE, version=__version__, summary=SUMMARY)
    document: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not document:
            document.update(
                openapi_document(OPERATIONS, title=TITLE, version=__version__, summary=SUMMARY)
            )
        return document

    api.openapi = openapi  # type: ignore[method-assign]
    answers.install(api)
    api.mount("/console", console_app(services))
    for path in ("/", "/console"):
        api.add_route(path, _to_console, methods=["GET", "HEAD"], include_in_schema=False)
    memo = RevisionMemo(probe, max_response_bytes=settings.read_cache_bytes)
    limiter = RateLimiter(settings.rate_limit, settings.redis_url) if settings.rate_limit else None
    throttle = (
        FailedAuthThrottle(settings.failed_auth_limit) if settings.failed_auth_limit else None
    )
    gate = Gate(
        store,
        services.tenancy,
        memo,
        settings.max_body_bytes,
        limiter,
        throttle,
        key_usage,
    )
    dispatch = Dispatch(Router(OPERATIONS), gate, memo, services, api)
    observe = Observe(dispatch, recorders)
    dispatcher.busy = observe.busy
    asgi: ASGIApp = observe
    if settings.root_path:
        asgi = RootPath(asgi, settings.root_path.rstrip("/"))
    return App(services, api, memo, asgi)


async def _to_console(request: Request) -> RedirectResponse:
    """`/` (and `/console` without its slash): the console, below the root path."""
    return RedirectResponse(request.scope.get("root_path", "") + "/console/", 302)


def app_from_env() -> App:
    """The uvicorn factory used by `modelyard serve` workers: settings from the environment."""
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level.upper())
    # Writes run in the writer thread (group commit) and release the GIL at every SQL statement;
    # with the default 5 ms switch interval the busy event loop kept it that long each time (a
    # convoy: ~3 ms per PATCH, py-spy). 0.5 ms keeps the hand-offs short (0.1 ms: PATCH 20%
    # slower; 2 ms: no change, bench/RESULTS.md).
    sys.setswitchinterval(0.0005)
    app = create_app(settings)
    # Everything built so far (modules, the app, its routes and schemas: most of the process's
    # objects) lives as long as the worker: take it out of the cyclic garbage collector's view.
    # Its full collections walked all of it, ~60 ms each, and set the p99 of PATCH under load
    # (70 ms -> 13 ms with this; bench/RESULTS.md).
    gc.collect()
    gc.freeze()
    return app
