"""Keyset pages stay correct while other clients register and delete models between calls."""

from __future__ import annotations

import random
import threading
import time
import uuid

from modelyard.registry.identity import Actor
from modelyard.registry.models import ModelService
from modelyard.registry.tenancy import TenancyService
from modelyard.store.engine import Store
from modelyard.types import RegisterFTModelIn
from tests.support.server import LiveServer

SEEDED = 2500


def seed(server: LiveServer, key: str, count: int) -> list[str]:
    """Register through the service layer on the server's own store (fast, same rules)."""
    store = Store.from_url(server.database_url)
    try:
        with store.read() as tx:
            actor = Actor(TenancyService().authenticate(tx, key))
        models = ModelService()
        with store.write() as tx:
            return [
                models.register(
                    tx, actor, RegisterFTModelIn(root="mistral-small-2506", job=str(uuid.uuid4()))
                )[0].body["id"]
                for _ in range(count)
            ]
    finally:
        store.dispose()


def test_paging_through_2500_models_under_churn_sees_each_survivor_once(live_server: LiveServer):
    key = live_server.new_workspace_key()
    originals = seed(live_server, key, SEEDED)
    doomed = set(random.Random(7).sample(originals, 200))
    stop = threading.Event()
    churned: list[str] = []

    def churn() -> None:
        with live_server.client(key) as http:
            for model_id in doomed:
                if stop.is_set():
                    break
                assert http.delete(f"/v1/models/{model_id}").status_code == 200
                churned.append(live_server.register(key)["id"])

    worker = threading.Thread(target=churn)
    worker.start()
    seen: list[str] = []
    try:
        with live_server.client(key) as http:
            after = None
            while True:
                params: dict[str, str | int] = {"limit": 100, "type": "fine-tuned"}
                if after:
                    params["after"] = after
                body = http.get("/v1/models", params=params).json()
                seen.extend(entry["id"] for entry in body["data"])
                if not body["has_more"]:
                    break
                after = body["last_id"]
                time.sleep(0.02)
    finally:
        stop.set()
        worker.join()
    assert churned, "the churn ran during paging"
    assert len(seen) == len(set(seen)), "no entry twice"
    survivors = set(originals) - doomed
    assert survivors <= set(seen), "every model that existed throughout, exactly once"
    assert set(seen) <= set(originals) | set(churned)
