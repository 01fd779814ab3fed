"""Several server processes on one store (PostgreSQL, or one SQLite file): what one acknowledges,
every other sees next."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.databases import DIALECTS, fresh_database
from tests.support.server import LiveServer, run_server


@pytest.fixture(params=DIALECTS)
def replicas(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[LiveServer, LiveServer]]:
    with (
        fresh_database(request.param, tmp_path) as url,
        run_server(url, tmp_path) as first,
        run_server(url, tmp_path) as second,
    ):
        second.admin_key = first.admin_key  # the first start created the key; the second found it
        yield first, second


def test_a_write_through_one_replica_is_read_through_the_other_every_time(replicas):
    first, second = replicas
    key = first.new_workspace_key()
    card = first.register(key)
    path = f"/v1/fine_tuning/models/{card['id']}"
    with first.client(key) as writer, second.client(key) as reader:
        for round_ in range(1000):
            name = f"name-{round_}"
            assert writer.patch(path, json={"name": name}).status_code == 200
            seen = reader.get(f"/v1/models/{card['id']}")
            assert seen.json()["name"] == name, f"round {round_}: stale read"


def test_a_revoked_key_is_refused_on_its_next_request_on_every_replica(replicas):
    first, second = replicas
    key = first.new_workspace_key("read")
    with first.client(key) as one, second.client(key) as other:
        assert one.get("/v1/models").status_code == 200
        assert other.get("/v1/models").status_code == 200  # now memoized by the second replica
        key_id = one.get("/v1/me").json()["id"]
    with first.client() as admin:
        assert admin.delete(f"/v1/api_keys/{key_id}").status_code == 200
    for server in (first, second):
        response = httpx.get(
            f"{server.base_url}/v1/models", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 401


def test_two_clients_with_the_same_etag_exactly_one_wins(replicas):
    first, second = replicas
    key = first.new_workspace_key()
    card = first.register(key)
    path = f"/v1/fine_tuning/models/{card['id']}"
    for attempt in range(20):
        with first.client(key) as http:
            etag = http.get(f"/v1/models/{card['id']}").headers["etag"]
        barrier = threading.Barrier(2)
        statuses: list[int] = []
        threads = [
            threading.Thread(
                target=conditional_update,
                args=(server, key, path, f"{label}-{attempt}", etag, barrier, statuses),
            )
            for server, label in ((first, "a"), (second, "b"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 412], f"attempt {attempt}: {statuses}"


def conditional_update(
    server: LiveServer,
    key: str,
    path: str,
    name: str,
    etag: str,
    barrier: threading.Barrier,
    statuses: list[int],
) -> None:
    with server.client(key) as http:
        barrier.wait()
        response = http.patch(path, json={"name": name}, headers={"If-Match": etag})
        statuses.append(response.status_code)
