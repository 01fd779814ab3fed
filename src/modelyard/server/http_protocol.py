"""uvicorn's httptools protocol with the bounds it lacks (docs/http-server-evaluation.md).

uvicorn with httptools and uvloop stays the server: measured against uvicorn's h11 mode,
hypercorn and granian it kept 4-5x their cached-read throughput, and every one of them left
some hostile client unbounded (bench/hostile.py). What this subclass adds:

- the request head (request line and headers) is at most `max_head_bytes`, counted as bytes
  are fed to the parser (httptools gathers a header value until it ends, copying it as it
  grows): past it, a JSON 414 (still in the request line) or 431 and the connection closes;
- at most `max_headers` headers (431);
- a head must arrive within `head_timeout` seconds of the connection opening, or of the
  previous answer on a kept-alive one (uvicorn only times idle keep-alive connections): a
  connection that stays silent, or dribbles its head (slowloris), is closed;
- a body must arrive within `body_timeout` seconds of its head: if not, a JSON 408 (when nothing
  was answered yet) and the connection closes. One sweep per second checks every connection,
  instead of a timer per request (an `asyncio.timeout` around each body cost a PATCH ~10%);
- at most `max_connections` connections per worker: a new one beyond it closes the connection
  that has waited longest for a head (an idle or slow one), never one being served.

The early 413 and everything else a client can ask of the app are the gate's (gate.py). The
limits come from the settings (`MODELYARD_MAX_HEADER_BYTES`, ...).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import resource
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from modelyard.settings import Settings

_REASONS = {
    408: b"Request Timeout",
    414: b"Request-URI Too Long",
    431: b"Request Header Fields Too Large",
}
_REFUSALS = {
    408: (b"request_timeout", b"The request body did not arrive in time."),
    414: (b"uri_too_long", b"The request line is over the server's limit."),
    431: (b"request_header_fields_too_large", b"The request headers are over the server's limit."),
}
SWEEP_SECONDS = 1.0
_WAITS = itertools.count()


@dataclass(frozen=True, slots=True)
class Limits:
    max_head_bytes: int
    max_headers: int
    head_timeout: float
    body_timeout: float
    max_connections: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            settings.max_header_bytes,
            settings.max_headers,
            settings.header_timeout,
            settings.body_timeout,
            settings.max_connections,
        )


class _HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    limits: ClassVar[Limits | None] = None  # read from the settings by the first connection
    _open: ClassVar[set[BoundedHttpToolsProtocol]] = set()
    _sweeping: ClassVar[bool] = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        cls = type(self)
        if cls.limits is None:
            cls.limits = Limits.from_settings(Settings())
        self._limits = cls.limits
        self._in_head = True  # the bytes that arrive belong to a request head
        self._head_bytes = 0
        self._line_done = False  # the head's request line has ended
        # Since when the connection waits for a head (None while a request is being served).
        self._waiting_since: float | None = self.loop.time()
        self._wait_order = next(_WAITS)
        self._body_since: float | None = None  # since when its body is awaited
        self._refusal = 0
        if len(cls._open) >= self._limits.max_connections:
            _close_longest_waiting(cls._open)
        cls._open.add(self)
        if not cls._sweeping:
            cls._sweeping = True
            self.loop.call_later(SWEEP_SECONDS, _sweep, cls, self.loop)

    def connection_lost(self, exc: Exception | None) -> None:
        type(self)._open.discard(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._in_head:
            super().data_received(data)
            return
        room = self._limits.max_head_bytes - self._head_bytes
        fed = data if len(data) <= room else data[:room]
        self._head_bytes += len(fed)
        self._line_done = self._line_done or b"\n" in fed
        super().data_received(fed)  # the head may end within the limit
        if len(fed) == len(data) or self.transport.is_closing():
            return
        if self._in_head:
            self._refuse(431 if self._line_done else 414)
            return
        super().data_received(data[room:])

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._refusal = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self.headers) >= self._limits.max_headers:
            self._refusal = 431
            raise _HeadTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._waiting_since = None
        self._body_since = self.loop.time()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True  # what comes next is the next request's head
        self._head_bytes = 0
        self._line_done = False
        self._body_since = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.cycle is None or self.cycle.response_complete:  # no pipelined request waits
            # Answered: the rest of a body and the next head must come within the deadline.
            self._waiting_since = self.loop.time()
            self._wait_order = next(_WAITS)

    def send_400_response(self, msg: str) -> None:
        """A head the parser refused: the JSON answer when it was one of our limits."""
        if self._refusal:
            self._refuse(self._refusal)
            return
        super().send_400_response(msg)

    def _refuse(self, status: int) -> None:
        code, message = _REFUSALS[status]
        body = (
            b'{"object":"error","message":"%s","type":"invalid_request_error","param":null,'
            b'"code":"%s"}' % (message, code)
        )
        head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n" % (
            status,
            _REASONS[status],
            len(body),
        )
        request_id = b"x-request-id: %032x\r\n" % random.getrandbits(128)
        self.transport.write(head + request_id + b"connection: close\r\n\r\n" + body)
        self.transport.close()


def _close_longest_waiting(protocols: set[BoundedHttpToolsProtocol]) -> None:
    # The loop's clock ticks once per iteration: the order in which waits began breaks ties.
    waiting = [p for p in protocols if p._waiting_since is not None]
    if waiting:
        _close(min(waiting, key=lambda p: (p._waiting_since or 0.0, p._wait_order)))


def _close(protocol: BoundedHttpToolsProtocol) -> None:
    """Close a connection that waits for a head; it counts no more, even before it is gone."""
    type(protocol)._open.discard(protocol)
    protocol._waiting_since = None
    protocol.transport.close()


def _sweep(cls: type[BoundedHttpToolsProtocol], loop: asyncio.AbstractEventLoop) -> None:
    """Close every connection that has waited too long for a head; then again in a second."""
    now = loop.time()
    for protocol in list(cls._open):
        limits = protocol._limits
        since = protocol._waiting_since
        if since is not None and now - since > limits.head_timeout:
            _close(protocol)
        body_since = protocol._body_since
        if body_since is not None and now - body_since > limits.body_timeout:
            protocol._body_since = None
            if protocol.cycle is not None and not protocol.cycle.response_started:
                protocol._refuse(408)  # the request's task then meets a disconnect
            else:
                _close(protocol)
    loop.call_later(SWEEP_SECONDS, _sweep, cls, loop)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The `uvicorn.run` options that bound what a client can make the server hold; raises the
    process's open-file limit to its hard limit, so `max_connections` is what bounds them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return {
        "http": BoundedHttpToolsProtocol,
        "loop": "uvloop",
        "timeout_keep_alive": settings.keep_alive_timeout,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }
