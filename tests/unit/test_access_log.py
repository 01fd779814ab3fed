"""Access log lines: one per request, with the request id, never a header."""

import asyncio
import io
import json

from modelyard.server.access_log import AccessLog
from modelyard.server.operations import RequestState

SCOPE = {
    "type": "http",
    "method": "GET",
    "path": "/v1/models/m",
    "client": ("127.0.0.1", 5000),
    "headers": [(b"authorization", b"Bearer myd_secret")],
}


def written(log_format: str) -> str:
    stream = io.StringIO()
    log = AccessLog(log_format, stream)

    async def run() -> None:
        log.record(SCOPE, RequestState("req-1"), 200, 0.0012)
        log.flush()

    asyncio.run(run())
    return stream.getvalue()


def test_json_lines_carry_the_request_id_status_and_duration():
    entry = json.loads(written("json"))
    assert entry["request_id"] == "req-1"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/v1/models/m", 200)
    assert entry["duration_ms"] == 1.2


def test_text_lines_name_the_request_and_never_a_header():
    line = written("text")
    assert '"GET /v1/models/m" 200 1.20ms request_id=req-1' in line
    assert "myd_secret" not in line
