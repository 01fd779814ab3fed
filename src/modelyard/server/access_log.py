"""Access logs: one line per request with its request id, as text or JSON lines.

Replaces uvicorn's access log. Hand-written on purpose: going through `logging` (a LogRecord and
a formatter per request) cost about 40% of a cached read, profiled with py-spy; here a line is
one f-string (or one orjson call), buffered and written at most every half second. The request
target is logged, never a header, so no key reaches the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import IO, Any

import orjson
from starlette.types import Scope

from .operations import RequestState

FLUSH_SECONDS = 0.5
FLUSH_LINES = 1024


class AccessLog:
    """Writes one line per request (a recorder of `observe.Observe`)."""

    def __init__(self, log_format: str = "text", stream: IO[str] | None = None):
        self.json = log_format == "json"
        self.stream = stream
        self._lines: list[str] = []
        self._flush_pending = False
        self._second = 0
        self._stamp = ""

    def record(self, scope: Scope, state: RequestState | None, status: int, seconds: float) -> None:
        client = scope.get("client")
        host = client[0] if client else "-"
        request_id = state.request_id if state else None
        duration_ms = seconds * 1000
        method, path = scope["method"], scope["path"]
        if self.json:
            line = orjson.dumps(
                {
                    "time": self._now(),
                    "level": "info",
                    "logger": "modelyard.access",
                    "client": host,
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(duration_ms, 3),
                    "request_id": request_id,
                }
            ).decode()
        else:
            line = (
                f'{self._now()} INFO modelyard.access: {host} "{method} {path}" {status} '
                f"{duration_ms:.2f}ms request_id={request_id}"
            )
        self._lines.append(line)
        if len(self._lines) >= FLUSH_LINES:
            self.flush()
        elif not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    def _now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(second))
        return self._stamp

    def flush(self) -> None:
        self._flush_pending = False
        if self._lines:
            stream = self.stream or sys.stderr
            stream.write("\n".join(self._lines) + "\n")
            stream.flush()
            self._lines = []


class JsonFormatter(logging.Formatter):
    """The server's other logs as JSON lines, in the access log's shape."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """Root logging for the server process (uvicorn's error log included)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
