"""The request gate: a pure ASGI middleware that runs before any route.

In the contract's order of checks it does the first ones, so each combination has one answer:
request id -> 401 (no or bad key) -> 403 `insufficient_scope` -> the key's rate limit (429) ->
414 / 413. Validation (422) and everything after it belong to the routes and the registry.
"""

from __future__ import annotations

import logging
import random
import re
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.registry.errors import (
    InsufficientScope,
    PayloadTooLarge,
    RateLimited,
    RegistryError,
    Unauthorized,
    UriTooLong,
)
from modelyard.registry.identity import Principal
from modelyard.registry.ids import hash_key
from modelyard.registry.memo import PRINCIPALS, RevisionMemo
from modelyard.registry.tenancy import TenancyService

from .ratelimit import RateLimiter
from .responses import error_body

log = logging.getLogger("modelyard.server")

MAX_REQUEST_LINE = 8192
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_REQUEST_ID = re.compile(rb"^[\x21-\x7e]{1,128}$")
_PUBLIC_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc")
_ADMIN_PREFIXES = ("/v1/workspaces", "/v1/api_keys", "/v1/audit")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def required_scope(method: str, path: str) -> str | None:
    """The scope a route needs, or None for the public operational endpoints."""
    if not path.startswith("/v1/") and path != "/v1":
        return None
    if path.startswith(_ADMIN_PREFIXES):
        return "admin"
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    return "write"


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        tenancy: TenancyService,
        memo: RevisionMemo,
        max_body_bytes: int,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.tenancy = tenancy
        self.memo = memo
        self.max_body_bytes = max_body_bytes
        self.rate_limiter = rate_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        extra_headers = [(b"x-request-id", request_id.encode("ascii"))]
        send = _with_headers(send, extra_headers)
        try:
            receive = await self._check(scope, receive, extra_headers)
        except RegistryError as error:
            await _send_error(send, error)
            return
        except orjson.JSONDecodeError as error:
            await _send_json(send, 422, {"detail": [_json_invalid(error)]})
            return
        except Exception:
            # The gate sits outside FastAPI's error handling: a store that does not answer the
            # key lookup is a 500 in the contract's envelope, never a bare text page.
            log.exception("request %s failed in the gate", request_id)
            await _send_json(
                send,
                500,
                error_body(
                    f"Internal error (request id {request_id}).", "server_error", "internal_error"
                ),
            )
            return
        if _CONTROL.search(scope["path"]):
            # Starlette's routes never match a newline, so no route would see this: answer the
            # 422 the route's own id pattern gives for every other control character.
            await _send_json(send, 422, {"detail": [_control_character_error(scope["path"])]})
            return
        await self.app(scope, receive, send)

    async def _check(
        self, scope: Scope, receive: Receive, extra_headers: list[tuple[bytes, bytes]]
    ) -> Receive:
        method, path = scope["method"], scope["path"]
        needed = required_scope(method, path)
        if needed is not None:
            principal = await self._authenticate(scope)
            if not principal.allows(needed):
                raise InsufficientScope(
                    f"This API key has the '{principal.scope}' scope; this operation needs "
                    f"'{needed}'."
                )
            scope["state"]["principal"] = principal
            if self.rate_limiter is not None:
                verdict = self.rate_limiter.hit(str(principal.key_id))
                extra_headers.extend(verdict.headers())
                if not verdict.allowed:
                    raise RateLimited(
                        f"Rate limit of {verdict.limit} requests exceeded; retry in "
                        f"{verdict.retry_after} s."
                    )
        if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 1 > (
            MAX_REQUEST_LINE
        ):
            raise UriTooLong(f"The request line is over {MAX_REQUEST_LINE} bytes.")
        if method in _BODY_METHODS:
            _read_body_as_json(scope)
            return await self._buffered_body(scope, receive)
        return receive

    async def _authenticate(self, scope: Scope) -> Principal:
        """The key's principal, memoized at the current tenancy version (a revocation moves it)."""
        secret = _bearer(scope)
        versions = scope["state"]["versions"] = await self.memo.sync()
        memo_key = hash_key(secret)
        principal: Principal | None = self.memo.get(PRINCIPALS, memo_key)
        if principal is None:
            principal = self.tenancy.authenticate(secret)
            self.memo.put(PRINCIPALS, memo_key, principal, versions)
        return principal

    async def _buffered_body(self, scope: Scope, receive: Receive) -> Receive:
        """Read the whole body (up to the limit) before the route runs, chunked or not."""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _too_large(self.max_body_bytes)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return replay([message])
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _too_large(self.max_body_bytes)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.strip():
            # Parsed once here with orjson, which refuses what the route's parser would accept
            # and then fail to render in its 422 (NaN, 1e400, lone surrogates) or turn into a 400
            # (invalid UTF-8, nesting past the parser's depth): each is a 422 `json_invalid`.
            orjson.loads(body)
        return replay([{"type": "http.request", "body": body, "more_body": False}])


def _read_body_as_json(scope: Scope) -> None:
    """Every body of this API is JSON: read it as JSON whatever type it declares, so
    `curl -d '{...}'` (sent as form data) works, and a body that isn't JSON gets a clear 422."""
    headers = [(key, value) for key, value in scope["headers"] if key != b"content-type"]
    scope["headers"] = [*headers, (b"content-type", b"application/json")]


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")


def replay(messages: list[Message]) -> Receive:
    """A `receive` that hands out these messages, then a disconnect (a body read ahead)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return {"type": "http.disconnect"}

    return receive


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str:
    value = _header(scope, b"authorization")
    if value is None:
        raise Unauthorized("No API key: send 'Authorization: Bearer <key>'.")
    kind, _, token = value.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Unauthorized("Malformed Authorization header: expected 'Bearer <key>'.")
    return token.strip()


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id" and _REQUEST_ID.match(value):
            return str(value.decode("ascii"))
    # A PRNG, not os.urandom: the getrandom() call releases the GIL, and a write thread that
    # takes it then holds the event loop up (py-spy: ~9% of a PATCH's loop time). A request id
    # is a correlation id, not a secret; `random` reseeds in every forked worker.
    return f"{random.getrandbits(128):032x}"


def _with_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)

    return wrapped


def _json_invalid(error: orjson.JSONDecodeError) -> dict[str, Any]:
    """FastAPI's own 422 item for a body it cannot decode."""
    return {
        "type": "json_invalid",
        "loc": ["body", error.pos],
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": error.msg},
    }


def _control_character_error(path: str) -> dict[str, Any]:
    return {
        "type": "string_pattern_mismatch",
        "loc": ["path"],
        "msg": "The path must not contain control characters",
        "input": path,
    }


async def _send_error(send: Send, error: RegistryError) -> None:
    extra = [(b"www-authenticate", b"Bearer")] if isinstance(error, Unauthorized) else []
    body = error_body(error.message, error.type, error.code, error.param)
    await _send_json(send, error.status, body, extra)


async def _send_json(
    send: Send, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    encoded = orjson.dumps(body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(encoded)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": encoded})
