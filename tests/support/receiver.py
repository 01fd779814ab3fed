"""A real webhook receiver on 127.0.0.1: an HTTP server thread that keeps every request it gets
(its time, headers and body) and answers as the test scripts it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    at: float  # time.time() when the body was read
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    def verified(self, secret: str) -> Any:
        """The payload, once its signature checks out with `secret` (raises otherwise)."""
        return Webhook(secret).verify(self.body, self.headers)


# What the receiver answers the n-th request (0-based): a status, or None to never answer.
Script = Callable[[int, "Received"], int | None]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    script: Script = lambda _n, _r: 200
    hold: threading.Event = field(default_factory=threading.Event)  # set: silent ones give up
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(
        self, count: int, timeout: float = 30.0, where: Callable[[Received], bool] | None = None
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [r for r in self.received if where is None or where(r)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)


@contextmanager
def run_receiver(script: Script | None = None) -> Iterator[Receiver]:
    receiver = Receiver("")
    if script is not None:
        receiver.script = script

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the
            # body until the sender's delayed ACK (~40 ms a request).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request: nothing was delivered
                self.close_connection = True
                return
            got = Received(
                time.time(), self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
            with receiver.lock:
                number = len(receiver.received)
                receiver.received.append(got)
            status = receiver.script(number, got)
            if status is None:
                receiver.hold.wait(60)
                return
            if 300 <= status < 400:
                self.send_response(status)
                self.send_header("location", self.headers.get("x-redirect-to", "/"))
                self.send_header("content-length", "0")
                self.end_headers()
                return
            answer = b'{"ok": true}' if status < 300 else b"receiver says no"
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a sender killed mid-request resets its connection: expected here

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.hold.set()
        server.shutdown()
        server.server_close()
