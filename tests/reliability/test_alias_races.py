"""Promotions that race: two server processes on one store, clients moving one alias at once.

Each round, every client reads the alias's ETag and then, released together, sends a move to a
model of its own with that `If-Match`, through either server. Exactly one may win; the others
get 412; the alias ends at the winner's model, and the audit log holds one `alias.set` per
round. On each dialect (two processes on one SQLite file, or on one PostgreSQL database).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import DIALECTS, fresh_database
from tests.support.server import LiveServer, run_server

from .feeds import audit_events

CLIENTS = 6
ROUNDS = 10


@pytest.fixture(params=DIALECTS)
def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[LiveServer]]:
    with (
        fresh_database(request.param, tmp_path) as url,
        run_server(url, tmp_path) as first,
        run_server(url, tmp_path, admin_key=first.admin_key) as second,
    ):
        yield [first, second]


def promote_together(
    replicas: list[LiveServer], key: str, targets: list[str], etag: str
) -> dict[int, int]:
    """Every client at once moves the alias to its own target with `If-Match: etag`."""
    barrier = threading.Barrier(CLIENTS)
    statuses: dict[int, int] = {}
    errors: list[BaseException] = []

    def promote(index: int) -> None:
        try:
            with replicas[index % 2].client(key) as http:
                barrier.wait()
                answer = http.put(
                    "/v1/aliases/prod", json={"model": targets[index]}, headers={"If-Match": etag}
                )
                statuses[index] = answer.status_code
        except BaseException as error:  # reported by the test, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=promote, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


def test_racing_promotions_with_one_if_match_have_exactly_one_winner(replicas):
    first = replicas[0]
    key = first.new_workspace_key()
    models = [first.register(key, name=f"candidate-{i}")["id"] for i in range(CLIENTS + 1)]
    with first.client(key) as http:
        response = http.put("/v1/aliases/prod", json={"model": models[0]})
        assert response.status_code == 200, response.text
    for round_ in range(ROUNDS):
        with first.client(key) as http:
            current = http.get("/v1/aliases/prod")
        # Every client moves the alias somewhere else than where it is.
        targets = [model for model in models if model != current.json()["model"]]
        statuses = promote_together(replicas, key, targets, current.headers["etag"])
        winners = [index for index, status in statuses.items() if status == 200]
        assert len(winners) == 1, (round_, statuses)
        assert sorted(statuses.values()) == [200] + [412] * (CLIENTS - 1), statuses
        for server in replicas:
            with server.client(key) as http:
                assert http.get("/v1/aliases/prod").json()["model"] == targets[winners[0]]
                assert http.get("/v1/models/prod").json()["aliases"] == [targets[winners[0]]]
    moves = [event for event in audit_events(first.base_url, first.admin_key)
             if event["action"] == "alias.set"]  # fmt: skip
    assert len(moves) == ROUNDS + 1  # the first set, then one move per round
    for earlier, later in itertools.pairwise(moves):
        assert later["before"] == earlier["after"]
