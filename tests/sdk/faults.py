"""A fault-injecting HTTP server on 127.0.0.1 and a fake clock, for the retry tests.

The server answers each request with the next step of its script (the last step repeats), so a test
says exactly what the network does: "429 with Retry-After, then 200".
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from modelyard import RetryClock


@dataclass(frozen=True)
class Step:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds to wait before answering: longer than the client's timeout


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FaultServer:
    def __init__(self, script: list[Step]) -> None:
        self.script = script
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def attempts(self) -> int:
        return len(self.seen)

    def next_step(self, seen: Seen) -> Step:
        with self._lock:
            self.seen.append(seen)
            return self.script[min(len(self.seen), len(self.script)) - 1]


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            step = server.next_step(Seen(self.command, self.path, dict(self.headers), body))
            if step.stall:
                time.sleep(step.stall)
            payload = json.dumps(step.body).encode() if step.body is not None else b""
            try:
                self.send_response(step.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that was the point of the stall

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fault_server(*script: Step) -> Iterator[FaultServer]:
    server = FaultServer(list(script))
    thread = threading.Thread(target=server._httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server._httpd.shutdown()
        server._httpd.server_close()
        thread.join(timeout=5)


def refused_url() -> str:
    """A URL where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FakeClock:
    """Time that moves only when the SDK sleeps; records every wait."""

    def __init__(self, now: float = 1_750_000_000.0, chance: float = 0.0) -> None:
        self.waits: list[float] = []
        self.elapsed = 0.0
        self.wall = now
        self.chance = chance

    def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.elapsed += seconds
        self.wall += seconds

    async def _async_sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    def retry_clock(self) -> RetryClock:
        return RetryClock(
            sleep=self._sleep,
            async_sleep=self._async_sleep,
            monotonic=lambda: self.elapsed,
            now=lambda: self.wall,
            random=lambda: self.chance,
        )
