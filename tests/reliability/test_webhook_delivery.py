"""Webhook deliveries under faults: a SIGKILL while changes stream loses no acknowledged event
(at least once, in audit order per model), and two replicas on PostgreSQL deliver each event
exactly once when nothing fails."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_webhooks import FAST, subscribe
from tests.support.databases import DIALECTS, fresh_database
from tests.support.receiver import Receiver, run_receiver
from tests.support.server import LiveServer, run_server

from .feeds import audit_events

MODELS = 4


def stream_renames(
    server: LiveServer, key: str, model_id: str, acknowledged: list[str], stop: threading.Event
) -> None:
    """Rename one model until the server is gone; keep each acknowledged name, in order."""
    with server.client(key) as http:
        round_ = 0
        while not stop.is_set():
            name = f"n-{round_}"
            try:
                response = http.patch(f"/v1/fine_tuning/models/{model_id}", json={"name": name})
            except httpx.TransportError:
                return
            if response.status_code != 200:
                return
            acknowledged.append(name)
            round_ += 1


def received_events(receiver: Receiver, secret: str) -> list[dict[str, Any]]:
    with receiver.lock:
        got = list(receiver.received)
    return [each.verified(secret)["data"] for each in got]


@pytest.mark.slow
@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_acknowledged_change_is_delivered_after_a_sigkill_in_order(
    dialect: str, tmp_path: Path
):
    seed = random.randrange(2**32)
    print(f"webhook crash seed: {seed}")
    rng = random.Random(seed)
    with fresh_database(dialect, tmp_path) as url, run_receiver() as receiver:
        with run_server(url, tmp_path, extra_env=FAST) as server:
            admin_key = server.admin_key
            webhook = subscribe(server, receiver.url)
            key = server.new_workspace_key()
            models = [server.register(key)["id"] for _ in range(MODELS)]
            acknowledged: dict[str, list[str]] = {model: [] for model in models}
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=stream_renames, args=(server, key, model, acknowledged[model], stop)
                )
                for model in models
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(1.0, 3.0))
            server.process.kill()
            server.process.wait()
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        assert any(acknowledged.values()), "a kill came before any change was acknowledged"
        with run_server(url, tmp_path, extra_env=FAST, admin_key=admin_key) as restarted:
            committed = [
                event
                for event in audit_events(restarted.base_url, admin_key)
                if event["model_id"] in acknowledged
            ]
            wanted = {event["id"] for event in committed}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                got = received_events(receiver, webhook["secret"])
                if wanted <= {event["id"] for event in got}:
                    break
                time.sleep(0.1)
    # Every committed event (each acknowledged change's among them) at least once.
    assert wanted <= {event["id"] for event in got}, "events never delivered"
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in got:
        by_model[event["model_id"]].append(event)
    for model, names in acknowledged.items():
        delivered = [event["after"]["name"] for event in by_model[model]]
        assert set(names) <= set(delivered), f"{model}: an acknowledged rename never delivered"
        ids = [event["id"] for event in by_model[model]]
        # In audit order: no event arrives before every earlier one of its model has (a resend
        # after the kill may repeat the events sent just before it, in their order).
        for position, event_id in enumerate(ids):
            earlier = {each for each in ids if each < event_id}
            assert earlier <= set(ids[:position]), f"{model}: out of order: {ids}"
    print(f"acknowledged: {sum(map(len, acknowledged.values()))}, deliveries: {len(got)}")


@pytest.mark.slow
def test_two_replicas_on_postgresql_deliver_each_event_exactly_once(tmp_path: Path):
    with (
        fresh_database("postgres", tmp_path) as url,
        run_receiver() as receiver,
        run_server(url, tmp_path, extra_env=FAST) as first,
        run_server(url, tmp_path, extra_env=FAST, admin_key=first.admin_key) as second,
    ):
        webhook = subscribe(first, receiver.url)
        time.sleep(1.5)  # the second replica's endpoint cache is at most a second old
        key = first.new_workspace_key()
        models = [first.register(key)["id"] for _ in range(MODELS)]
        for round_ in range(50):
            for number, model in enumerate(models):
                server = (first, second)[(round_ + number) % 2]
                with server.client(key) as http:
                    response = http.patch(
                        f"/v1/fine_tuning/models/{model}", json={"name": f"n-{round_}"}
                    )
                    assert response.status_code == 200
        expected = [
            event
            for event in audit_events(first.base_url, first.admin_key)
            if event["model_id"] in models
        ]
        receiver.wait_for(len(expected), timeout=60)
        time.sleep(2)  # a second delivery of anything would arrive by now
        got = received_events(receiver, webhook["secret"])
        with receiver.lock:
            ids = [each.headers["webhook-id"] for each in receiver.received]
    assert len(expected) == MODELS * 51
    assert sorted(event["id"] for event in got) == sorted(event["id"] for event in expected)
    assert len(set(ids)) == len(ids), "a delivery was made twice"
    for model in models:
        delivered = [event["id"] for event in got if event["model_id"] == model]
        assert delivered == sorted(delivered), f"{model}: out of order"
