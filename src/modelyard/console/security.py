"""What keeps the console's pages and forms safe: response headers (a Content-Security-Policy
that forbids inline script and framing), the session cookie, and the checks on every form post
(its synchronizer token and its Origin or Referer)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "modelyard_console"
# The sign-in form has no session yet: a double-submit token in its own cookie protects it.
SIGN_IN_COOKIE = "modelyard_console_sign_in"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Same-origin requests keep their Referer (the form check may read it); others get none.
    (b"referrer-policy", b"same-origin"),
]
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the console's security headers to every answer; pages are never cached (they may
    show a key's secret once), static files keep their own caching."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(scope.get("root_path", "") + "/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *_HEADERS]
                if not static:
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def set_cookie(response: Response, request: Request, name: str, value: str, path: str) -> None:
    """HttpOnly, SameSite=Strict, scoped to the console's path; Secure over https (uvicorn
    reports https behind a proxy that sends X-Forwarded-Proto, from a trusted address)."""
    response.set_cookie(
        name,
        value,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request, name: str, path: str) -> None:
    response.delete_cookie(
        name, path=path, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def tokens_match(given: str | None, expected: str) -> bool:
    return bool(given) and secrets.compare_digest(str(given).encode(), expected.encode())


def same_origin(request: Request, trusted: Iterable[str]) -> bool:
    """The form was posted from this site: its Origin (or, without one, its Referer) names the
    host the request was sent to, or a configured trusted origin. Neither header: refused
    (every browser this console supports sends Origin with a form post)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if f"{parts.scheme}://{parts.netloc}".lower() in trusted:
        return True
    host = request.headers.get("host", "")
    return parts.netloc.lower() == host.lower()


class FormInvalid(Exception):
    """A form post that cannot be read (wrong type, too large, not UTF-8)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_form(request: Request, max_bytes: int) -> dict[str, str]:
    """An url-encoded form's fields (the last value of a repeated one). Forms here send no
    files, so there is no multipart parser to trust."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise FormInvalid(415, "Forms are sent url-encoded.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise FormInvalid(413, f"The form is over the limit of {max_bytes} bytes.")
    try:
        text = body.decode("utf-8")
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict"))
    except UnicodeDecodeError:
        raise FormInvalid(400, "The form is not UTF-8.") from None
