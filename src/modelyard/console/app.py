"""The console's ASGI app: its routes, and what every page and form goes through.

Mounted by `server/app.py` at `/console` on the FastAPI app behind the API's operations, so it
shares the process, the store and the registry services with the API, never HTTP. Every link and
redirect is built from the mount's root path (`--root-path` behind a proxy, plus `/console`).

Each route declares the scope it needs (`read`, `write`, `admin`, like the API's operations).
A page (GET) without a session redirects to the sign-in page; a form (POST) is refused unless it
comes from this site (Origin or Referer) with the session's synchronizer token, then its scope is
checked: the console does exactly what the key can.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from modelyard._version import __version__
from modelyard.registry.identity import Actor
from modelyard.server.operations import RequestState, Services

from . import rendering
from .security import (
    SESSION_COOKIE,
    FormInvalid,
    SecurityHeaders,
    clear_cookie,
    read_form,
    same_origin,
    tokens_match,
)
from .sessions import Found, Session, SessionService, SignInThrottle, end_session, token_hash

STATIC = Path(__file__).parent / "static"


@dataclass(slots=True)
class Ctx:
    """One console request: where the console is mounted, and who is signed in."""

    request: Request
    base: str  # the console's own root path: links are `base + "/..."`
    session: Session | None
    form: dict[str, str]

    @property
    def signed_in(self) -> Session:
        assert self.session is not None, "a guarded route has a session"
        return self.session

    @property
    def actor(self) -> Actor:
        state = RequestState.of(self.request.scope)
        return Actor(self.signed_in.principal, state.request_id if state else None)

    def url(self, path: str = "/", **query: Any) -> str:
        """A link inside the console; query values that are None or empty are left out."""
        pairs = [
            (key, item)
            for key, value in query.items()
            for item in (value if isinstance(value, list | tuple) else [value])
            if item not in (None, "")
        ]
        return self.base + path + (f"?{urlencode(pairs)}" if pairs else "")

    def model_url(self, model_id: str, **query: Any) -> str:
        return self.url(model_path(model_id), **query)


def model_path(model_id: str) -> str:
    """A model's page below the console (ids keep their ':' and '/', as the API's paths do)."""
    return f"/models/{quote(model_id, safe=':/')}"


Handler = Callable[["Console", Ctx], Awaitable[Response]]


class Console:
    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.services = services
        self.store = services.store
        self.sessions = SessionService(services.tenancy, settings.console_session_hours)
        self.throttle = SignInThrottle()
        self.trusted_origins = frozenset(
            origin.strip().rstrip("/").lower()
            for origin in settings.console_origins.split(",")
            if origin.strip()
        )
        self.max_form_bytes = settings.max_body_bytes
        self.templates = Environment(
            loader=PackageLoader("modelyard.console", "templates"),
            autoescape=True,  # every value is escaped: names and descriptions are anyone's text
            trim_blocks=True,
            lstrip_blocks=True,
        )
        rendering.install(self.templates)

    # -- rendering ------------------------------------------------------------------------

    def render(self, ctx: Ctx, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        session = ctx.session
        page = self.templates.get_template(template).render(
            ctx=ctx,
            session=session,
            csrf=session.csrf_token if session else "",
            static=f"{ctx.base}/static",
            version=__version__,
            **values,
        )
        return HTMLResponse(page, status)

    def error(self, ctx: Ctx, status: int, message: str) -> HTMLResponse:
        return self.render(ctx, "error.html", status, code=status, message=message)

    def redirect(self, ctx: Ctx, path: str = "/", **query: Any) -> RedirectResponse:
        """After a form: see the result with a GET (303)."""
        return RedirectResponse(ctx.url(path, **query), 303)

    # -- the way in ----------------------------------------------------------------------

    def route(
        self, handler: Handler, scope: str | None
    ) -> Callable[[Request], Awaitable[Response]]:
        """The endpoint of a handler that needs a session of this scope (None: no session)."""

        async def endpoint(request: Request) -> Response:
            ctx = Ctx(request, request.scope.get("root_path", ""), None, {})
            posted = request.method == "POST"
            if posted and not same_origin(request, self.trusted_origins):
                return self.error(ctx, 403, "Refused: this form was not sent from this site.")
            if posted:
                try:
                    ctx.form = await read_form(request, self.max_form_bytes)
                except FormInvalid as invalid:
                    return self.error(ctx, invalid.status, invalid.message)
            if scope is None:
                return await handler(self, ctx)
            ctx.session = await self.session_of(request)
            if ctx.session is None:
                if posted:
                    response: Response = self.error(
                        ctx, 403, "Your session has ended: sign in again."
                    )
                else:
                    response = self.redirect(ctx, "/sign-in")
                if SESSION_COOKIE in request.cookies:
                    clear_cookie(response, request, SESSION_COOKIE, ctx.base)
                return response
            if posted and not tokens_match(ctx.form.get("csrf"), ctx.session.csrf_token):
                return self.error(ctx, 403, "Refused: the form's token is missing or stale.")
            if not ctx.session.allows(scope):
                return self.error(
                    ctx,
                    403,
                    f"This needs a key with the '{scope}' scope; yours has "
                    f"'{ctx.session.principal.scope}'.",
                )
            return await handler(self, ctx)

        endpoint.__name__ = handler.__name__
        return endpoint

    async def session_of(self, request: Request) -> Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        found: Found = await run_in_threadpool(self.read, self.sessions.find, token)
        if found.stale:
            await end_session(self.store, self.sessions, token_hash(token))
        elif found.touch and found.session is not None:
            hashed = found.session.token_hash
            await self.store.write_together(lambda tx: self.sessions.touch(tx, hashed))
        return found.session

    def read(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`work(tx, *args, **kwargs)` in a read transaction."""
        with self.store.read() as tx:
            return work(tx, *args, **kwargs)

    async def write(self, work: Callable[..., Any], *args: Any) -> Any:
        """`work(tx, *args)` in a write shared with the API's (group commit), as its routes do."""
        return await self.store.write_together(lambda tx: work(tx, *args))


def console_app(services: Services) -> ASGIApp:
    """The console, to be mounted at `/console`."""
    from . import admin, models, signing

    console = Console(services)
    routes: list[BaseRoute] = []
    for path, method, handler, scope in (
        *signing.ROUTES,
        *models.ROUTES,
        *admin.ROUTES,
    ):
        routes.append(Route(path, console.route(handler, scope), methods=[method]))
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))

    async def not_found(request: Request, exc: Exception) -> Response:
        ctx = Ctx(request, request.scope.get("root_path", ""), None, {})
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return console.error(ctx, status, "No such page." if status == 404 else "Not allowed.")

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    return SecurityHeaders(app)
