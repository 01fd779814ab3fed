"""SIGKILL the server mid-stream: every acknowledged change survives, and the audit log agrees.

Writers stream registrations and renames (each with a name used once) at a server process; at a
random moment the process is killed with SIGKILL, then restarted on the same database. What a
writer saw acknowledged (2xx) must be there with the acknowledged values; the one request each
writer had in flight may have committed or not, but only as a whole: its audit event exists
exactly when its change does. Two kills per dialect; the seed is printed to replay a failure.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.databases import DIALECTS, fresh_database
from tests.support.server import LiveServer, run_server

from .feeds import fine_tuned_cards, model_events

WRITERS = 4
KILLS = 2


@dataclass
class Model:
    """What one writer knows of one of its models."""

    names: list[str] = field(default_factory=list)  # every acknowledged name, oldest first
    in_flight: str | None = None  # a registration or rename sent but never answered


@dataclass
class Writer:
    key: str
    seed: int
    models: dict[str, Model] = field(default_factory=dict)  # by job
    ids: dict[str, str] = field(default_factory=dict)  # job -> model id, once acknowledged
    failures: list[str] = field(default_factory=list)

    def stream(self, server: LiveServer, stop: threading.Event) -> None:
        """Register and rename until the server is gone; stop at the first unanswered request."""
        rng = random.Random(self.seed)
        with server.client(self.key) as http:
            while not stop.is_set():
                registered = [job for job in self.models if job in self.ids]
                if len(registered) < 3 or rng.random() < 0.2:
                    job, name = str(uuid.uuid4()), f"r-{uuid.uuid4().hex[:12]}"
                    self.models[job] = Model(in_flight=name)
                    body = {"root": "mistral-small-2506", "job": job, "name": name}
                    request = http.build_request("POST", "/v1/fine_tuning/models", json=body)
                else:
                    job, name = rng.choice(registered), f"u-{uuid.uuid4().hex[:12]}"
                    self.models[job].in_flight = name
                    path = f"/v1/fine_tuning/models/{self.ids[job]}"
                    request = http.build_request("PATCH", path, json={"name": name})
                try:
                    response = http.send(request)
                except httpx.TransportError:
                    return  # killed: this request stays in flight
                model = self.models[job]
                if response.status_code not in (200, 201):
                    self.failures.append(f"{request.method} {request.url}: {response.text}")
                    return
                model.names.append(name)
                model.in_flight = None
                self.ids[job] = response.json()["id"]

    def settle(self, cards_by_job: dict[str, dict]) -> None:
        """After a restart: the in-flight request committed or not; now we know which."""
        for job, model in list(self.models.items()):
            card = cards_by_job.get(job)
            if card is not None and model.in_flight == card["name"]:
                model.names.append(model.in_flight)
                self.ids[job] = card["id"]
            model.in_flight = None
            if not model.names:
                del self.models[job]  # an unanswered registration that never committed


def acknowledged(writers: list[Writer]) -> int:
    return sum(len(model.names) for writer in writers for model in writer.models.values())


def stream_and_kill(server: LiveServer, writers: list[Writer], rng: random.Random) -> int:
    """Stream from every writer, SIGKILL the server at a random moment; the changes acknowledged."""
    before = acknowledged(writers)
    stop = threading.Event()
    threads = [threading.Thread(target=w.stream, args=(server, stop)) for w in writers]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(0.5, 2.0))
    server.process.kill()
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return acknowledged(writers) - before


def check_restarted(server: LiveServer, admin_key: str, writers: list[Writer]) -> None:
    workspace_id = httpx.get(
        f"{server.base_url}/v1/me", headers={"Authorization": f"Bearer {writers[0].key}"}
    ).json()["workspace_id"]
    cards = fine_tuned_cards(server.base_url, writers[0].key)
    cards_by_job = {card["job"]: card for card in cards.values()}
    for writer in writers:
        assert not writer.failures, writer.failures
        writer.settle(cards_by_job)
    expected = {job: model for writer in writers for job, model in writer.models.items()}
    assert set(cards_by_job) == set(expected), "models present differ from those acknowledged"
    for job, model in expected.items():
        assert cards_by_job[job]["name"] == model.names[-1], f"job {job}: lost its last rename"
    events = model_events(server.base_url, admin_key, workspace_id)
    assert set(events) == set(cards), "audit events for models that are not there, or none"
    for model_id, model_events_ in events.items():
        job = cards[model_id]["job"]
        actions = [event["action"] for event in model_events_]
        assert actions == ["model.registered"] + ["model.updated"] * (len(actions) - 1)
        # One event per acknowledged change, in order, each with the values acknowledged.
        assert [event["after"]["name"] for event in model_events_] == expected[job].names


@pytest.mark.slow
@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_acknowledged_change_survives_sigkill_and_the_audit_log_matches(
    dialect: str, tmp_path: Path
):
    seed = random.randrange(2**32)
    print(f"crash-safety seed: {seed}")
    rng = random.Random(seed)
    with fresh_database(dialect, tmp_path) as url:
        with run_server(url, tmp_path) as server:
            admin_key = server.admin_key
            workspace_key = server.new_workspace_key()
        writers = [Writer(workspace_key, rng.randrange(2**32)) for _ in range(WRITERS)]
        per_kill = []
        for _ in range(KILLS):
            with run_server(url, tmp_path) as server:
                check_restarted(server, admin_key, writers)
                per_kill.append(stream_and_kill(server, writers, rng))
        with run_server(url, tmp_path) as server:
            check_restarted(server, admin_key, writers)
    print(f"changes acknowledged before each kill: {per_kill}")
    assert all(per_kill), "a kill came before any change was acknowledged: nothing was tested"
