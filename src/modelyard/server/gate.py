"""The gate: the contract's first checks, before an operation's own parameters are read.

In the contract's order, so each combination has one answer: 401 (no or bad key) -> 403
`insufficient_scope` (the operation's declared scope) -> the key's rate limit (429) -> 414 ->
413 -> 422 for a body that is not JSON or a path with a control character. What it needs to know
about the operation comes from its declaration.

It also bounds what a client can make a request hold: an address whose keys keep failing gets
429 instead of more key lookups (its memoized valid keys keep working); a body over the limit is
read and thrown away (up to `DRAIN_BYTES`) before the 413, because a client that sends
`Connection: close` and is answered before it finished sending gets a broken pipe, not the
answer.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.types import Receive, Scope

from modelyard.registry.errors import (
    InsufficientScope,
    PayloadTooLarge,
    RateLimited,
    RequestInvalid,
    Unauthorized,
    UriTooLong,
)
from modelyard.registry.identity import Principal
from modelyard.registry.ids import hash_key
from modelyard.registry.memo import RevisionMemo
from modelyard.registry.tenancy import TenancyService
from modelyard.store.engine import Store

from .answers import control_characters, json_invalid
from .key_usage import KeyUsage
from .operations import NO_BODY, RequestState
from .ratelimit import FailedAuthThrottle, RateLimiter

MAX_REQUEST_LINE = 8192
DRAIN_BYTES = 16 * 1024 * 1024  # at most this much of a refused body is read and thrown away
_CLOSE = (b"connection", b"close")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Gate:
    def __init__(
        self,
        store: Store,
        tenancy: TenancyService,
        memo: RevisionMemo,
        max_body_bytes: int,
        rate_limiter: RateLimiter | None = None,
        failed_auth: FailedAuthThrottle | None = None,
        key_usage: KeyUsage | None = None,
    ) -> None:
        self.store = store
        self.tenancy = tenancy
        self.memo = memo
        self.max_body_bytes = max_body_bytes
        self.rate_limiter = rate_limiter
        self.failed_auth = failed_auth
        self.key_usage = key_usage

    async def admit(self, scope: Scope, receive: Receive, state: RequestState) -> Any:
        """Run the checks; the request's body decoded as JSON (`NO_BODY` when it has none)."""
        operation = state.operation
        assert operation is not None
        if operation.scope is not None:
            principal = await self._authenticate(scope, state)
            if not principal.allows(operation.scope):
                raise InsufficientScope(
                    f"This API key has the '{principal.scope}' scope; this operation needs "
                    f"'{operation.scope}'."
                )
            state.principal = principal
            if self.key_usage is not None and principal.key_id is not None:
                self.key_usage.used(principal.key_id)
            if self.rate_limiter is not None:
                verdict = self.rate_limiter.hit(str(principal.key_id))
                state.response_headers.extend(verdict.headers())
                if not verdict.allowed:
                    raise RateLimited(
                        f"Rate limit of {verdict.limit} requests exceeded; retry in "
                        f"{verdict.retry_after} s."
                    )
        line = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 1
        if line > MAX_REQUEST_LINE:
            raise UriTooLong(f"The request line is over {MAX_REQUEST_LINE} bytes.")
        body = NO_BODY
        if scope["method"] in _BODY_METHODS:
            raw = await self._read_body(scope, receive, state)
            if operation.body is not None and raw.strip():
                # orjson refuses what would pass one parser and fail later (NaN, 1e400, lone
                # surrogates, invalid UTF-8, nesting past a parser's depth): 422 `json_invalid`.
                try:
                    body = orjson.loads(raw)
                except orjson.JSONDecodeError as error:
                    raise RequestInvalid([json_invalid(error)]) from None
        if _CONTROL.search(scope["path"]):
            # No operation's path holds one, and no id the registry issued does.
            raise RequestInvalid([control_characters(scope["path"])])
        return body

    async def _authenticate(self, scope: Scope, state: RequestState) -> Principal:
        """The key's principal, memoized at the current tenancy version (a revocation moves it)."""
        secret = _bearer(scope)
        versions = state.versions = await self.memo.sync()
        memo_key = hash_key(secret)
        principal: Principal | None = self.memo.principal(memo_key)
        if principal is not None:
            return principal
        address = _address(scope)
        throttle = self.failed_auth
        if throttle is not None and (wait := throttle.wait(address)):
            state.response_headers.append((b"retry-after", str(wait).encode()))
            raise RateLimited(
                f"Too many failed authentications from this address; retry in {wait} s."
            )
        try:
            with self.store.read() as tx:
                principal = self.tenancy.authenticate(tx, secret)
        except Unauthorized:
            if throttle is not None:
                throttle.failed(address)
            raise
        self.memo.put_principal(memo_key, principal, versions)
        return principal

    async def _read_body(self, scope: Scope, receive: Receive, state: RequestState) -> bytes:
        """The whole body (up to the limit), chunked or not. (The time it may take is bounded
        by the HTTP protocol: http_protocol.py.)"""
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse_too_large(receive, state, 0)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                more = message.get("more_body", False)
                await self._refuse_too_large(receive, state, size if more else None)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _refuse_too_large(
        self, receive: Receive, state: RequestState, read: int | None
    ) -> None:
        """413, once the rest of the body is read and thrown away (`read`: bytes so far, or
        None when it has all arrived), so the client hears the answer; past `DRAIN_BYTES` the
        connection closes after it."""
        while read is not None and read <= DRAIN_BYTES:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                read = None
                break
            read += len(message.get("body", b""))
        if read is not None:
            state.response_headers.append(_CLOSE)
        raise PayloadTooLarge(f"The request body is over the limit of {self.max_body_bytes} bytes.")


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


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
