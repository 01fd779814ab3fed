"""`with_raw_response`: the same methods, returning the parsed result together with the response.

What a result object cannot carry without changing its seed shape (the `ETag` to pass back as
`if_match=`, `x-request-id`, rate-limit headers) is read from the `RawResponse` instead, as in
openai-python. The plain methods are untouched: the only cost they pay is one `ContextVar.get()`
in `Modelyard._send`, which hands the final response to a wrapper that asked for it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Generic, ParamSpec, TypeVar

import httpx

_T = TypeVar("_T")
_U = TypeVar("_U")
_P = ParamSpec("_P")
_Q = ParamSpec("_Q")

# Set only while a `with_raw_response` method runs: the list `Modelyard._send` appends the final
# response to. A context variable is per thread and per asyncio task, so concurrent calls never
# see each other's responses.
CAPTURE: ContextVar[list[httpx.Response] | None] = ContextVar("modelyard_capture", default=None)


class RawResponse(Generic[_T]):
    """The final HTTP response of a call and its parsed result (`parse()`)."""

    __slots__ = ("_parsed", "http_response")

    def __init__(self, http_response: httpx.Response, parsed: _T) -> None:
        self.http_response = http_response
        self._parsed = parsed

    def parse(self) -> _T:
        """The result the plain method returns (already parsed: calling this costs nothing)."""
        return self._parsed

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def etag(self) -> str | None:
        """The `ETag` header exactly as sent (quotes included): pass it back as `if_match=`.

        Fine-tuned models carry one on retrieve, register, update, archive and unarchive; base
        models and every other response carry none.
        """
        etag: str | None = self.http_response.headers.get("etag")
        return etag

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.http_response.headers.get("x-request-id")
        return request_id

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] etag={self.etag!r} {self._parsed!r}>"


def _response(seen: list[httpx.Response]) -> httpx.Response:
    if not seen:  # every method sends exactly one call; this is a bug guard, not a user error
        raise RuntimeError("with_raw_response: the method sent no request")
    return seen[-1]


def to_raw(method: Callable[_P, _T]) -> Callable[_P, RawResponse[_T]]:
    """`method` with the same arguments, returning `RawResponse[result]`."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        seen: list[httpx.Response] = []
        token = CAPTURE.set(seen)
        try:
            parsed = method(*args, **kwargs)
        finally:
            CAPTURE.reset(token)
        return RawResponse(_response(seen), parsed)

    return wrapper


def to_raw_async(method: Callable[_P, Awaitable[_T]]) -> Callable[_P, Awaitable[RawResponse[_T]]]:
    """The async twin of `to_raw`."""

    @functools.wraps(method)
    async def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        seen: list[httpx.Response] = []
        token = CAPTURE.set(seen)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            CAPTURE.reset(token)
        return RawResponse(_response(seen), parsed)

    return wrapper


def raw_twins(
    method: Callable[_P, _T], twin: Callable[_Q, Awaitable[_U]]
) -> tuple[Callable[_P, RawResponse[_T]], Callable[_Q, Awaitable[RawResponse[_U]]]]:
    """A method and its `_async` twin, each returning its `RawResponse`."""
    return to_raw(method), to_raw_async(twin)
