"""`modelyard serve` as a real process: behind a proxy's path prefix, trusting its forwarded
headers, at a log level; and refusing, in one line and before touching the store, what cannot
work (a port out of range, a busy port, a foreign address), or an interrupted start-up."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.cli.cli import on_store
from tests.support.databases import fresh_database
from tests.support.server import TEST_CATALOG, free_port, run_server


def serve(*args: str, database_url: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")},
        "MODELYARD_CATALOG": str(TEST_CATALOG),
    }
    return subprocess.run(
        [sys.executable, "-m", "modelyard", "serve", "--database-url", database_url, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_error_line(done: subprocess.CompletedProcess[str], exit_code: int = 1) -> str:
    assert done.returncode == exit_code, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


def test_a_port_out_of_range_is_a_usage_error_before_anything(tmp_path: Path):
    store = tmp_path / "new.db"
    done = serve("--port", "99999", database_url=f"sqlite:///{store}")
    assert done.returncode == 2
    assert "Invalid value for '--port'" in done.stderr
    assert "http://" not in done.stdout + done.stderr  # no URL announced, nothing listening
    assert not store.exists()


def test_a_busy_port_is_one_line_and_the_store_is_not_touched(tmp_path: Path):
    store = tmp_path / "new.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_error_line(serve("--port", str(port), database_url=f"sqlite:///{store}"))
    assert line == (
        f"Error: port {port} on 127.0.0.1 is already in use: stop what listens there, "
        "or pick another --port"
    )
    assert not store.exists()  # checked before the migrations


def test_an_address_of_another_machine_is_one_line(tmp_path: Path):
    done = serve("--host", "203.0.113.7", database_url=f"sqlite:///{tmp_path / 'new.db'}")
    assert "203.0.113.7 is not an address of this machine" in one_error_line(done)


def test_behind_a_path_prefix_the_api_and_its_docs_answer_under_it(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with (
        run_server(url, tmp_path, args=("--root-path", "/registry")) as server,
        server.client() as http,
    ):
        # A proxy that passes the prefix on, and one that strips it: both reach the API.
        assert http.get("/registry/v1/me").json()["scope"] == "admin"
        assert http.get("/v1/me").json()["scope"] == "admin"
        docs = http.get("/registry/docs").text
        assert "'/registry/openapi.json'" in docs
        assert '"/registry/static-offline-docs/swagger-ui-bundle.js"' in docs
        assert http.get("/registry/static-offline-docs/swagger-ui-bundle.js").is_success
        openapi = http.get("/registry/openapi.json").json()
        assert openapi["servers"] == [{"url": "/registry"}]
        assert "/v1/models" in openapi["paths"]


def access_log_clients(log: str) -> list[str]:
    return re.findall(r"modelyard\.access: (\S+) \"GET /v1/models/mistral-small-2506\"", log)


def test_forwarded_client_addresses_are_trusted_only_from_the_allowed_proxies(tmp_path: Path):
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with run_server(url, tmp_path) as trusting, trusting.client() as http:  # 127.0.0.1 trusted
        assert http.get("/v1/models/mistral-small-2506", headers=forwarded).is_success
    with (
        run_server(
            url,
            tmp_path,
            args=("--forwarded-allow-ips", "10.9.9.9"),
            admin_key=trusting.admin_key,
        ) as wary,
        wary.client() as http,
    ):
        assert http.get("/v1/models/mistral-small-2506", headers=forwarded).is_success
    assert access_log_clients(trusting.log_path.read_text()) == ["203.0.113.9"]
    assert access_log_clients(wary.log_path.read_text()) == ["127.0.0.1"]


def test_the_log_level_applies_to_uvicorn_and_the_app(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    quiet = {"MODELYARD_LOG_LEVEL": "WARNING"}
    with run_server(url, tmp_path, extra_env=quiet) as server, server.client() as http:
        assert http.get("/v1/models/mistral-small-2506").is_success
        assert http.get("/v1/models/nope").status_code == 404
    log = server.log_path.read_text()
    assert "Uvicorn running on" not in log  # uvicorn's INFO lines
    assert "modelyard.access" not in log  # the app's INFO lines
    loud = run_server(url, tmp_path, args=("--log-level", "debug"), admin_key=server.admin_key)
    with loud as server, server.client() as http:
        assert http.get("/v1/models/mistral-small-2506").is_success
    assert "Uvicorn running on" in server.log_path.read_text()


def test_a_malformed_log_level_is_one_line(tmp_path: Path):
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")},
        "MODELYARD_LOG_LEVEL": "loud",
    }
    done = subprocess.run(
        [sys.executable, "-m", "modelyard", "serve", "--port", str(free_port())],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert one_error_line(done) == (
        "Error: a MODELYARD_* setting is not valid: MODELYARD_LOG_LEVEL: must be one of "
        "'debug', 'info', 'warning' or 'error'"
    )


def test_ctrl_c_during_start_up_is_one_line_without_a_traceback(tmp_path: Path):
    with fresh_database("postgres", tmp_path) as url:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        assert on_store(url, "db", "upgrade").exit_code == 0
        with psycopg.connect(plain) as holder, psycopg.connect(plain, autocommit=True) as watch:
            # Start-up blocks on its migration while this transaction holds Alembic's table.
            holder.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            process = subprocess.Popen(
                [sys.executable, "-m", "modelyard", "serve", "--port", str(free_port())],
                env={**os.environ, "MODELYARD_DATABASE_URL": url},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                waiting = (
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                deadline = time.monotonic() + 60
                while watch.execute(waiting).fetchone() == (0,):
                    assert time.monotonic() < deadline, "start-up never reached the migration"
                    time.sleep(0.05)
                process.send_signal(signal.SIGINT)
                stdout, stderr = process.communicate(timeout=30)
            finally:
                process.kill()
                process.wait()
            holder.rollback()
    assert (process.returncode, stdout, stderr) == (130, "", "Interrupted.\n")


@pytest.mark.parametrize("flag", ["--root-path", "--forwarded-allow-ips", "--log-level"])
def test_the_new_flags_are_in_the_help(flag: str):
    done = subprocess.run(
        [sys.executable, "-m", "modelyard", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert flag in done.stdout
