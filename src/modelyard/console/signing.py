"""Signing in (an API key exchanged for a session cookie) and out."""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from modelyard.registry.errors import Unauthorized

from .app import Console, Ctx
from .security import SESSION_COOKIE, SIGN_IN_COOKIE, clear_cookie, set_cookie, tokens_match
from .sessions import end_session, token_hash


async def sign_in_page(console: Console, ctx: Ctx) -> Response:
    session = await console.session_of(ctx.request)
    if session is not None:
        return console.redirect(ctx)
    return _form(console, ctx)


def _form(console: Console, ctx: Ctx, status: int = 200, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    done = "You are signed out." if ctx.request.query_params.get("done") == "signed-out" else None
    response = console.render(
        ctx, "sign_in.html", status, sign_in_token=token, error=error, done=done
    )
    set_cookie(response, ctx.request, SIGN_IN_COOKIE, token, ctx.base)
    return response


async def sign_in(console: Console, ctx: Ctx) -> Response:
    request = ctx.request
    if not tokens_match(ctx.form.get("token"), request.cookies.get(SIGN_IN_COOKIE, "")):
        return _form(console, ctx, 403, "The sign-in form expired: try again.")
    client = request.client.host if request.client else "unknown"
    wait = console.throttle.retry_after(client)
    if wait:
        response = _form(console, ctx, 429, f"Too many failed sign-ins: try again in {wait} s.")
        response.headers["Retry-After"] = str(wait)
        return response
    secret = ctx.form.get("key", "").strip()
    try:
        principal = await run_in_threadpool(console.read, console.sessions.authenticate, secret)
    except Unauthorized:
        console.throttle.failed(client)
        return _form(console, ctx, 401, "This API key is not valid (unknown or revoked).")
    token, _ = await console.write(console.sessions.open, principal)
    replaced = request.cookies.get(SESSION_COOKIE)
    if replaced:  # signing in again, maybe as another key: the old session ends
        await end_session(console.store, console.sessions, token_hash(replaced))
    response = console.redirect(ctx)
    set_cookie(response, request, SESSION_COOKIE, token, ctx.base)
    clear_cookie(response, request, SIGN_IN_COOKIE, ctx.base)
    return response


async def sign_out(console: Console, ctx: Ctx) -> Response:
    await end_session(console.store, console.sessions, ctx.signed_in.token_hash)
    response = console.redirect(ctx, "/sign-in", done="signed-out")
    clear_cookie(response, ctx.request, SESSION_COOKIE, ctx.base)
    return response


ROUTES = (
    ("/sign-in", "GET", sign_in_page, None),
    ("/sign-in", "POST", sign_in, None),
    ("/sign-out", "POST", sign_out, "read"),
)
