"""The app factory. Settings come in; nothing is read from the environment here."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard._version import __version__
from modelyard.registry.audit import AuditService
from modelyard.registry.models import ModelService
from modelyard.registry.tenancy import TenancyService
from modelyard.settings import Settings
from modelyard.store.engine import Store

from . import errors
from .gate import Gate
from .ratelimit import RateLimiter
from .routes import audit, fine_tuning, models, ops, tenancy


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The ASGI app on a migrated, synced store (see `modelyard.server.startup.prepare`)."""
    store = store or Store.from_url(settings.database_url)
    app = FastAPI(
        title="Modelyard",
        version=__version__,
        summary="A self-hosted model registry that speaks Mistral's Models API.",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.models = ModelService(store)
    app.state.tenancy = TenancyService(store)
    app.state.audit = AuditService(store)
    for module in (models, fine_tuning, tenancy, audit, ops):
        app.include_router(module.router)
    errors.install(app)
    limiter = RateLimiter(settings.rate_limit, settings.redis_url) if settings.rate_limit else None
    app.add_middleware(
        Gate,
        tenancy=app.state.tenancy,
        max_body_bytes=settings.max_body_bytes,
        rate_limiter=limiter,
    )
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory used by `modelyard serve` workers: settings from the environment."""
    return create_app(Settings())
