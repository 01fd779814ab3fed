"""A sick store: a write lock held elsewhere, a full disk. The server answers 503 with
`Retry-After` within a bounded time (never a 500, never a hang), `/readyz` says not ready while
writes fail, a refused write never happens later, and everything recovers without a restart."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.databases import DIALECTS, fresh_database
from tests.support.server import LiveServer, run_server

TIMEOUT = {"MODELYARD_STORE_TIMEOUT": "1"}


@contextmanager
def write_lock_held_elsewhere(database_url: str) -> Iterator[None]:
    """Another program holds the store's write lock: an open write transaction on SQLite, a
    lock on the revision row on PostgreSQL."""
    if database_url.startswith("sqlite"):
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT value FROM store_revision WHERE id = 1 FOR UPDATE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


@pytest.fixture(params=DIALECTS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    with (
        fresh_database(request.param, tmp_path) as url,
        run_server(url, tmp_path, extra_env=TIMEOUT) as live,
    ):
        yield live


def rename(server: LiveServer, model_id: str, name: str) -> tuple[Any, float]:
    started = time.monotonic()
    with server.client() as http:
        response = http.patch(f"/v1/fine_tuning/models/{model_id}", json={"name": name})
    return response, time.monotonic() - started


def test_a_write_lock_held_elsewhere_is_a_bounded_503_then_recovers(server: LiveServer):
    model_id = server.register(name="before")["id"]
    with write_lock_held_elsewhere(server.database_url):
        response, took = rename(server, model_id, "during")
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "store_busy"
        assert int(response.headers["retry-after"]) >= 1
        assert took < 15
        with server.client() as http:
            assert http.get("/readyz").status_code == 503
            # Reads need no write lock: they go on.
            assert http.get(f"/v1/models/{model_id}").json()["name"] == "before"
    response, _ = rename(server, model_id, "after")
    assert response.status_code == 200
    with server.client() as http:
        assert http.get("/readyz").status_code == 200
        names = [
            event["after"]["name"]
            for event in http.get("/v1/audit/events", params={"model_id": model_id}).json()["data"]
        ]
    assert names == ["before", "after"]  # the refused rename never happened


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of the disk."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_a_503_readyz_says_so_and_freeing_space_recovers(
    tiny_disk: Path, tmp_path: Path
):
    with run_server(f"sqlite:///{tiny_disk / 'store.db'}", tmp_path, extra_env=TIMEOUT) as server:
        model_id = server.register(name="start")["id"]
        filler = fill(tiny_disk)
        statuses = []
        with server.client() as http:
            for index in range(200):  # the WAL takes what its pages still had room for
                answer = http.patch(
                    f"/v1/fine_tuning/models/{model_id}",
                    json={"description": "x" * 4000 + str(index)},
                )
                statuses.append(answer.status_code)
                if answer.status_code != 200:
                    break
            assert statuses[-1] == 503, statuses
            assert answer.json()["code"] == "store_unavailable"
            assert "retry-after" in answer.headers
            assert set(statuses) <= {200, 503}
            assert http.get("/readyz").status_code == 503
            filler.unlink()
            deadline = time.monotonic() + 15
            while http.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "readyz never recovered"
                time.sleep(0.5)
            answer = http.patch(f"/v1/fine_tuning/models/{model_id}", json={"name": "after"})
            assert answer.status_code == 200
