"""A graceful stop (SIGTERM, what every deploy sends) must not drop access-log lines."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.databases import fresh_database
from tests.support.server import run_server


@pytest.mark.slow
def test_a_graceful_stop_writes_the_access_line_of_every_request(tmp_path: Path):
    with fresh_database("sqlite", tmp_path) as url, run_server(url, tmp_path) as server:
        time.sleep(1)  # what start-up logged is flushed: the next line opens a new batch
        response = httpx.get(f"{server.base_url}/healthz", headers={"x-request-id": "the-last"})
        assert response.status_code == 200
        log_path = server.log_path
    assert "request_id=the-last" in log_path.read_text()
