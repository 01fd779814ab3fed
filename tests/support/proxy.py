"""A reverse proxy that serves a server under a path prefix, as nginx's `location /registry/ {
proxy_pass http://upstream/; }` does: the prefix is stripped on the way in, nothing is
rewritten on the way out (the server must build its links from its root path)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@contextmanager
def prefix_proxy(upstream: str, prefix: str) -> Iterator[str]:
    """Serve `upstream` under `prefix`; yields the proxy's base URL (with the prefix)."""
    client = httpx.Client(base_url=upstream, timeout=30, follow_redirects=False)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            if not self.path.startswith(prefix + "/") and self.path != prefix:
                self.send_error(404)
                return
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["host"] = self.headers.get("host", "")  # as nginx with `Host $host`
            answer = client.request(
                self.command, self.path[len(prefix) :] or "/", content=body, headers=headers
            )
            self.send_response(answer.status_code)
            for key, value in answer.headers.multi_items():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = _forward

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        client.close()
