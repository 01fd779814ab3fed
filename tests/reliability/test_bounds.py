"""What one client can make the server hold, bounded (issue 14): each test is one finding of the
outside probe (bench/hostile.py has the figures at full size).

In-process (the app under Starlette's TestClient) for what the app decides; through a real
`modelyard serve` for what the HTTP protocol decides (heads, idle connections, shutdown).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.app import Harness, harness
from tests.support.server import LiveServer, run_server

# -- the read cache ----------------------------------------------------------------------------


def test_unknown_query_parameters_make_no_new_cache_entries(app: Harness):
    key = app.key("read")
    app.call("GET", "/v1/models", key)
    one_list = app.http.app.memo.response_bytes  # type: ignore[attr-defined]
    assert one_list > 0
    for index in range(300):
        assert app.call("GET", f"/v1/models?x={index}&utm_source={index}", key).status_code == 200
    assert app.http.app.memo.response_bytes == one_list  # type: ignore[attr-defined]


def test_the_read_cache_is_bounded_in_bytes(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    with harness(url, read_cache_bytes=20_000) as app:
        key = app.key("read")
        for index in range(60):
            assert app.call("GET", f"/v1/models?q=m&limit={index + 1}", key).status_code == 200
        assert 0 < app.http.app.memo.response_bytes <= 20_000  # type: ignore[attr-defined]


def test_a_cached_answer_never_carries_another_requests_headers(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'headers.db'}"
    with harness(url, rate_limit="1000/minute") as app:
        first = app.key("read")
        workspace = app.call("GET", "/v1/me", first).json()["workspace_id"]
        second = app.key("read", workspace)
        for _ in range(5):
            app.call("GET", "/v1/models", first, headers={"x-request-id": "from-a"})
        answer = app.call("GET", "/v1/models", second, headers={"x-request-id": "from-b"})
        assert answer.headers.get_list("x-request-id") == ["from-b"]
        assert answer.headers.get_list("x-ratelimit-remaining-req-minute") == ["999"]


# -- metrics -----------------------------------------------------------------------------------


def series(app: Harness) -> set[str]:
    text = app.call("GET", "/metrics", key=None).text
    return {line.split(" ")[0] for line in text.splitlines() if line.startswith("modelyard_")}


def test_unknown_paths_add_no_metric_series(app: Harness):
    app.call("GET", "/v1/nothing-here", key=None)
    series(app)  # the scrape's own series
    before = series(app)
    for index in range(200):
        assert app.call("GET", f"/v1/random-{index}/x", key=None).status_code == 404
        app.call("POST", f"/other-{index}", key=None)
    assert series(app) == before


# -- answers that reach the client ---------------------------------------------------------------


def test_an_error_is_answered_and_the_app_returns_normally(app: Harness, monkeypatch):
    """A fault is a 500 in the envelope, and the ASGI call completes without raising: uvicorn
    then keeps the connection for the client's next request."""

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a fault")

    monkeypatch.setattr(app.http.app.services.models, "retrieve", broken)  # type: ignore[attr-defined]
    response = app.call("GET", "/v1/models/mistral-small-2506")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.headers["x-request-id"] in response.json()["message"]
    monkeypatch.undo()
    assert app.call("GET", "/v1/models/mistral-small-2506").status_code == 200


def test_head_and_if_none_match_on_gets(app: Harness):
    model = app.register()["id"]
    got = app.call("GET", f"/v1/models/{model}")
    head = app.call("HEAD", f"/v1/models/{model}")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-length"] == str(len(got.content))
    for tag in (
        got.headers["etag"],
        f"W/{got.headers['etag']}",
        '"v0", ' + got.headers["etag"],
        "*",
    ):
        cached = app.call("GET", f"/v1/models/{model}", headers={"If-None-Match": tag})
        assert (cached.status_code, cached.content) == (304, b""), tag
        assert cached.headers["etag"] == got.headers["etag"]
    stale = app.call("GET", f"/v1/models/{model}", headers={"If-None-Match": '"v0"'})
    assert stale.status_code == 200
    assert app.call("HEAD", "/v1/models").status_code == 200
    assert app.call("HEAD", "/v1/nothing").status_code == 404


# -- failed authentication ---------------------------------------------------------------------


def test_failed_authentication_is_throttled_per_address_and_valid_keys_keep_working(tmp_path):
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    with harness(url, failed_auth_limit="20/minute") as app:
        key = app.key("read")
        assert app.call("GET", "/v1/models", key).status_code == 200
        statuses = [
            app.call("GET", "/v1/models", f"myd_guess_{i:040d}").status_code for i in range(40)
        ]
        assert statuses[:20] == [401] * 20
        assert set(statuses[20:]) == {429}
        throttled = app.call("GET", "/v1/models", "myd_guess_x")
        assert int(throttled.headers["retry-after"]) >= 1
        assert throttled.json()["code"] == "rate_limited"
        assert app.call("GET", "/v1/models", key).status_code == 200


# -- the store's files -------------------------------------------------------------------------


def test_the_database_files_are_readable_by_their_owner_only(tmp_path: Path):
    database = tmp_path / "private.db"
    with harness(f"sqlite:///{database}") as app:
        app.register()
        files = [p for p in tmp_path.iterdir() if p.name.startswith("private.db")]
        assert {p.name for p in files} >= {"private.db", "private.db-wal", "private.db-changes"}
        for path in files:
            assert path.stat().st_mode & 0o077 == 0, (path.name, oct(path.stat().st_mode))


# -- the HTTP protocol (a real server) ------------------------------------------------------------

LIMITS = {
    "MODELYARD_HEADER_TIMEOUT": "1",
    "MODELYARD_SHUTDOWN_TIMEOUT": "3",
    "MODELYARD_BODY_TIMEOUT": "2",
}


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("bounded")
    with run_server(f"sqlite:///{workdir / 'b.db'}", workdir, extra_env=LIMITS) as server:
        yield server


def raw(server: LiveServer, data: bytes, timeout: float = 5.0) -> bytes:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:  # reset
        return True


def refused_while_sending(sock: socket.socket, chunk: bytes, times: int) -> bool:
    sock.settimeout(10)
    try:
        for _ in range(times):
            sock.sendall(chunk)
    except OSError:  # the server answered and closed: reset
        return True
    return False


def connect(server: LiveServer) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)))


def test_heads_over_the_limit_get_a_json_431_or_414(bounded: LiveServer):
    big_header = raw(bounded, b"GET /v1/models HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
    many = b"".join(b"X-%d: a\r\n" % i for i in range(150))
    many_headers = raw(bounded, b"GET /v1/models HTTP/1.1\r\n" + many + b"\r\n")
    long_line = raw(bounded, b"GET /v1/models?" + b"q" * 70_000 + b" HTTP/1.1\r\n\r\n")
    for answer, status in ((big_header, 431), (many_headers, 431), (long_line, 414)):
        assert status_of(answer) == status, answer[:200]
        assert b"x-request-id: " in answer
        assert b'"object":"error"' in answer


def test_a_huge_header_is_not_buffered(bounded: LiveServer):
    # 20 MB would have been copied again and again by the parser; it is refused at 16 KiB.
    started = time.monotonic()
    with connect(bounded) as sock:
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nX-Big: ")
        assert refused_while_sending(sock, b"a" * 50_000, times=400)
    assert time.monotonic() - started < 5


def test_silent_and_slow_connections_are_closed_while_others_are_served(bounded: LiveServer):
    silent = [connect(bounded) for _ in range(10)]
    slow = connect(bounded)
    slow.sendall(b"GET /v1/models HTTP/1.1\r\n")
    with bounded.client() as http:
        for _ in range(5):
            assert http.get("/healthz").status_code == 200
            with contextlib.suppress(OSError):  # a header now and then, never the end
                slow.sendall(b"X-A: b\r\n")
            time.sleep(0.5)
    for sock in [*silent, slow]:
        assert closed_by_server(sock, within=5)
        sock.close()


def test_connections_beyond_the_limit_close_the_longest_waiting_ones(tmp_path: Path):
    limits = {"MODELYARD_MAX_CONNECTIONS": "40", "MODELYARD_HEADER_TIMEOUT": "60"}
    with run_server(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, extra_env=limits) as server:
        idle = [connect(server) for _ in range(60)]
        try:
            with server.client() as http:
                assert http.get("/healthz").status_code == 200
            assert all(closed_by_server(sock, within=2) for sock in idle[:20])
            assert not any(closed_by_server(sock, within=0.2) for sock in idle[-10:])
        finally:
            for sock in idle:
                sock.close()


def test_a_413_reaches_a_client_that_closes_after_sending(bounded: LiveServer):
    host, port = bounded.base_url.removeprefix("http://").split(":")
    for _ in range(10):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request(
            "PATCH",
            "/v1/fine_tuning/models/ft:x",
            body=b"x" * (2 * 1024 * 1024),
            headers={"Authorization": f"Bearer {bounded.admin_key}", "Connection": "close"},
        )
        response = connection.getresponse()
        assert response.status == 413
        assert b"payload_too_large" in response.read()
        connection.close()


def test_a_body_that_never_finishes_is_a_408(bounded: LiveServer):
    head = (
        b"PATCH /v1/fine_tuning/models/ft:x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
        + f"Authorization: Bearer {bounded.admin_key}\r\n\r\n".encode()
        + b'{"name": '
    )
    started = time.monotonic()
    answer = raw(bounded, head, timeout=10)
    assert status_of(answer) == 408, answer[:200]
    assert b"request_timeout" in answer
    assert time.monotonic() - started < 6


def test_shutdown_finishes_whatever_the_clients_do(tmp_path: Path):
    with run_server(f"sqlite:///{tmp_path / 's.db'}", tmp_path, extra_env=LIMITS) as server:
        host, port = server.base_url.removeprefix("http://").split(":")
        stop = threading.Event()

        def dribble() -> None:
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(
                    b"POST /v1/fine_tuning/models HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                    + f"Authorization: Bearer {server.admin_key}\r\n\r\n".encode()
                )
                while not stop.is_set():
                    try:
                        sock.sendall(b" ")
                    except OSError:
                        return
                    time.sleep(0.2)

        threads = [threading.Thread(target=dribble) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=15)
        elapsed = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join()
    assert elapsed < 10, elapsed
