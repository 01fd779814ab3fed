"""Two server processes on one PostgreSQL, many clients racing to change the same models.

Threads send conflicting renames (each name used once), archives, unarchives and deletes to
either replica, half of them with `If-Match` of the last ETag they saw. Afterwards the audit log
is the serial history of each model, and every answer must fit it: `ETag: "v<N>"` names the
model's N-th state (registration is v1, each change adds one), so an acknowledged answer with
`v<N>` is checked against the N-th event. No 5xx, no lost update, one event per change.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import fresh_database
from tests.support.server import LiveServer, run_server

from .feeds import audit_events

MODELS = 3
THREADS = 6
OPERATIONS = 40  # per thread


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    with (
        fresh_database("postgres", tmp_path) as url,
        run_server(url, tmp_path) as first,
        run_server(url, tmp_path) as second,
    ):
        second.admin_key = first.admin_key  # the second start found the store ready
        yield first, second


@dataclass(frozen=True)
class Answer:
    model_id: str
    operation: str  # update, archive, unarchive, delete
    name: str | None
    if_match: str | None
    status: int
    etag: str | None
    body: Any


OPERATION_REQUESTS = {
    "update": ("PATCH", "/v1/fine_tuning/models/{}"),
    "archive": ("POST", "/v1/fine_tuning/models/{}/archive"),
    "unarchive": ("DELETE", "/v1/fine_tuning/models/{}/archive"),
    "delete": ("DELETE", "/v1/models/{}"),
}


def race(
    servers: tuple[LiveServer, ...], key: str, model_ids: list[str], seed: int
) -> list[Answer]:
    answers: list[Answer] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def client(thread_seed: int) -> None:
        rng = random.Random(thread_seed)
        seen: dict[str, str] = {}  # model id -> the last ETag this client saw
        clients = [server.client(key) for server in servers]
        try:
            barrier.wait()
            for _ in range(OPERATIONS):
                model_id = rng.choice(model_ids)
                operation = rng.choices(list(OPERATION_REQUESTS), weights=[10, 4, 4, 0.3])[0]
                method, template = OPERATION_REQUESTS[operation]
                name = f"n-{uuid.uuid4().hex[:10]}" if operation == "update" else None
                if_match = seen.get(model_id) if rng.random() < 0.5 else None
                response = rng.choice(clients).request(
                    method,
                    template.format(model_id),
                    json={"name": name} if name else None,
                    headers={"If-Match": if_match} if if_match else {},
                )
                etag = response.headers.get("etag")
                if etag:
                    seen[model_id] = etag
                status, body = response.status_code, response.json()
                answers.append(Answer(model_id, operation, name, if_match, status, etag, body))
        except BaseException as error:  # reported by the test, not lost in a thread
            errors.append(error)
        finally:
            for http in clients:
                http.close()

    rng = random.Random(seed)
    threads = [
        threading.Thread(target=client, args=(rng.randrange(2**32),)) for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return answers


def version(etag: str) -> int:
    match = re.fullmatch(r'"v(\d+)"', etag)
    assert match, etag
    return int(match.group(1))


def check_model(model_id: str, events: list[dict], answers: list[Answer], finals: list) -> None:
    actions = [event["action"] for event in events]
    assert actions[0] == "model.registered"
    assert events[0]["before"] is None
    for earlier, later in itertools.pairwise(events):
        # Serial history: each change starts from the state the previous one left.
        assert later["before"] == earlier["after"], (model_id, later["action"], later["id"])
    deleted = actions[-1] == "model.deleted"
    assert actions.count("model.deleted") == int(deleted)
    acknowledged = [answer for answer in answers if answer.status == 200]
    assert len([a for a in acknowledged if a.operation == "delete"]) == int(deleted)
    states = [event["after"] for event in events if event["action"] != "model.deleted"]

    changes = [a for a in acknowledged if a.operation != "delete"]
    for answer in changes:
        n = version(answer.etag or "")
        state = states[n - 1]
        if answer.operation == "update":
            assert events[n - 1]["action"] == "model.updated"
            assert state["name"] == answer.name == answer.body["name"], answer
            if answer.if_match:
                assert n == version(answer.if_match) + 1, f"If-Match not honoured: {answer}"
        else:
            assert state["archived"] is (answer.operation == "archive"), answer
            assert answer.body["archived"] is (answer.operation == "archive"), answer
    # Every change in the log was acknowledged to someone, and every acknowledged rename is there
    # exactly once (names are unique).
    produced = {version(a.etag or "") for a in changes}
    assert set(range(2, len(states) + 1)) <= produced, f"{model_id}: an event nobody was told of"
    renames = [event["after"]["name"] for event in events if event["action"] == "model.updated"]
    assert sorted(renames) == sorted(a.name for a in changes if a.operation == "update")

    if deleted:
        assert all(final.status_code == 404 for final in finals)
    else:
        # The final state is the last acknowledged write, and both replicas serve it.
        assert max(produced | {1}) == len(states)
        for final in finals:
            assert final.status_code == 200
            assert final.json() == states[-1]
            assert final.headers["etag"] == f'"v{len(states)}"'
    for answer in answers:
        assert answer.status in (200, 404, 412), answer
        if answer.status == 404:
            assert deleted, answer


@pytest.mark.slow
def test_racing_clients_on_two_replicas_lose_no_write_and_log_each_change_once(replicas):
    first, _ = replicas
    seed = random.randrange(2**32)
    print(f"races seed: {seed}")
    key = first.new_workspace_key()
    model_ids = [first.register(key, name=f"start-{i}")["id"] for i in range(MODELS)]
    answers = race(replicas, key, model_ids, seed)

    statuses = sorted({answer.status for answer in answers})
    assert all(status < 500 for status in statuses), statuses
    events = audit_events(first.base_url, first.admin_key)
    for model_id in model_ids:
        finals = []
        for server in replicas:
            with server.client(key) as http:
                finals.append(http.get(f"/v1/models/{model_id}"))
        check_model(
            model_id,
            [event for event in events if event["model_id"] == model_id],
            [answer for answer in answers if answer.model_id == model_id],
            finals,
        )
    conflicts = sum(answer.status == 412 for answer in answers)
    print(f"{len(answers)} answers, statuses {statuses}, {conflicts} lost an If-Match race")
    assert conflicts, "no If-Match ever conflicted: the clients did not race"
