"""The app factory. Settings come in; nothing is read from the environment here."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard._version import __version__
from modelyard.registry.audit import AuditService
from modelyard.registry.memo import RevisionMemo
from modelyard.registry.models import ModelService
from modelyard.registry.tenancy import TenancyService
from modelyard.settings import Settings
from modelyard.store.engine import Store
from modelyard.store.revision_probe import CoalescingProbe, revision_probe

from . import errors
from .access_log import AccessLog, configure_logging
from .change_lane import ChangeLane
from .gate import Gate
from .metrics import Metrics
from .observe import Observe, Recorder
from .ratelimit import RateLimiter
from .read_cache import ReadCache
from .routes import audit, fine_tuning, models, ops, tenancy


class App:
    """What is served: observation (metrics, access log), the request gate and the read cache in
    front of FastAPI.

    They wrap the FastAPI app instead of living in its middleware stack so that a cached read
    never enters FastAPI's own layers (profiled: about a third of a cached read's time).
    """

    def __init__(self, api: FastAPI, asgi: ASGIApp) -> None:
        self.api = api
        self.state = api.state
        self._asgi = asgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(settings: Settings, store: Store | None = None, *, change_lane: bool = True) -> App:
    """The ASGI app on a migrated, synced store (see `modelyard.server.startup.prepare`).

    `change_lane=False` sends every change through FastAPI's routes (tests compare the two).
    """
    store = store or Store.from_url(settings.database_url)
    probe = revision_probe(store)
    recorders: list[Recorder] = [Metrics()]
    access_log = AccessLog(settings.log_format) if settings.access_log else None
    if access_log is not None:
        recorders.append(access_log)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if access_log is not None:
            access_log.flush()  # the last half second's lines, on a graceful stop
        if isinstance(probe, CoalescingProbe):
            await probe.aclose()

    # FastAPIOffline: /docs and /redoc serve their assets from the package, no CDN needed.
    api = FastAPIOffline(
        lifespan=lifespan,
        title="Modelyard",
        version=__version__,
        summary="A self-hosted model registry that speaks Mistral's Models API.",
    )
    api.state.settings = settings
    api.state.store = store
    api.state.models = ModelService(store)
    api.state.tenancy = TenancyService(store)
    api.state.audit = AuditService(store)
    for module in (models, fine_tuning, tenancy, audit, ops):
        api.include_router(module.router)
    errors.install(api)
    limiter = RateLimiter(settings.rate_limit, settings.redis_url) if settings.rate_limit else None
    memo = RevisionMemo(probe)
    inner: ASGIApp = ReadCache(api, memo)
    if change_lane:
        inner = ChangeLane(inner, api.state.models)
    gate = Gate(
        inner,
        tenancy=api.state.tenancy,
        memo=memo,
        max_body_bytes=settings.max_body_bytes,
        rate_limiter=limiter,
    )
    return App(api, Observe(gate, recorders))


def app_from_env() -> App:
    """The uvicorn factory used by `modelyard serve` workers: settings from the environment."""
    settings = Settings()
    configure_logging(settings.log_format)
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
