"""The first start of a real process: the admin key is printed once, and racing starters agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa

from modelyard.store.tables import api_keys, organizations, workspaces
from tests.support.server import TEST_CATALOG, run_server


def modelyard(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")},
        "MODELYARD_DATABASE_URL": database_url,
        "MODELYARD_CATALOG": str(TEST_CATALOG),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def count(database_url: str, table: sa.Table) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        total = conn.scalar(sa.select(sa.func.count()).select_from(table))
    engine.dispose()
    return int(total or 0)


def test_init_prints_the_first_admin_key_once_and_it_works(database_url: str, tmp_path: Path):
    first = json.loads(modelyard(database_url, "init", "--json").stdout)
    second = json.loads(modelyard(database_url, "init", "--json").stdout)
    assert first["admin_key"].startswith("myd_")
    assert second == {"admin_key": None}
    with run_server(database_url, tmp_path) as server:
        me = httpx.get(
            f"{server.base_url}/v1/me", headers={"Authorization": f"Bearer {first['admin_key']}"}
        )
    assert me.status_code == 200
    assert me.json()["scope"] == "admin"


def test_a_supplied_admin_key_is_used_and_never_printed(database_url: str):
    supplied = "myd_supplied_by_the_operator_0123456789abcdef"
    result = modelyard(database_url, "init", MODELYARD_ADMIN_KEY=supplied)
    assert supplied not in result.stdout + result.stderr
    assert json.loads(modelyard(database_url, "init", "--json").stdout) == {"admin_key": None}


def test_racing_starters_create_one_organization_workspace_and_key(database_url: str):
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: modelyard(database_url, "init", "--json"), range(4)))
    keys = [json.loads(result.stdout)["admin_key"] for result in results]
    assert len([key for key in keys if key]) == 1
    assert count(database_url, organizations) == 1
    assert count(database_url, workspaces) == 1
    assert count(database_url, api_keys) == 1


def test_two_workers_serve_the_same_store(database_url: str, tmp_path: Path):
    with (
        run_server(database_url, tmp_path, args=("--workers", "2")) as server,
        server.client() as http,
    ):
        card = server.register()
        seen = {http.get(f"/v1/models/{card['id']}").status_code for _ in range(20)}
    assert seen == {200}


def test_metrics_count_the_requests_of_every_worker(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    with run_server(url, tmp_path, args=("--workers", "2")) as server, server.client() as http:
        for _ in range(40):
            assert http.get("/v1/models/mistral-small-2506").status_code == 200
        text = http.get("/metrics").text
    line = next(
        line
        for line in text.splitlines()
        if line.startswith('modelyard_requests_total{operation="retrieve_model",status="200"}')
    )
    assert float(line.split()[-1]) == 40
