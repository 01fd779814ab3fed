"""API keys as an admin sees them: when each was last used, revoked keys on request, and audit
events that say which key was created or revoked (never its secret)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from modelyard.store.engine import Store
from modelyard.store.tables import api_keys
from tests.support.app import Harness, harness


def last_used(store: Store) -> dict[str, int | None]:
    with store.read() as tx:
        rows = tx.conn.execute(api_keys.select()).mappings()
        return {row["id"]: row["last_used_at"] for row in rows}


def test_last_used_at_is_written_off_the_request_path_and_moves_no_revision(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    with harness(url) as app:
        key = app.key("read")
        key_id = app.call("GET", "/v1/me", key).json()["id"]
        revision = app.store.revision()
        for _ in range(50):
            assert app.call("GET", "/v1/models", key).status_code == 200
        assert last_used(app.store)[key_id] is None  # not yet: at most once a minute
        assert app.store.revision() == revision
    # The app's shutdown writes what it noted.
    store = Store.from_url(url)
    try:
        used = last_used(store)[key_id]
        assert used is not None
        assert abs(used - time.time()) < 60
    finally:
        store.dispose()


def test_revoked_keys_are_listed_on_request(app: Harness):
    key = app.key("read")
    key_id = app.call("GET", "/v1/me", key).json()["id"]
    app.call("DELETE", f"/v1/api_keys/{key_id}")
    live = app.call("GET", "/v1/api_keys").json()["data"]
    assert key_id not in [each["id"] for each in live]
    every = {each["id"]: each for each in app.call("GET", "/v1/api_keys?all=true").json()["data"]}
    assert every[key_id]["revoked_at"] is not None
    assert all("revoked_at" not in each for each in live)  # the contract's shape for live keys


def test_key_and_workspace_events_name_their_subject_never_a_secret(app: Harness):
    workspace = app.workspace("events-ws")
    created = app.call(
        "POST", "/v1/api_keys", json={"workspace": "events-ws", "scope": "write", "name": "ci"}
    ).json()
    app.call("DELETE", f"/v1/api_keys/{created['id']}")
    (made,) = app.events("workspace.created")
    assert made["after"]["id"] == workspace["id"]
    assert made["after"]["name"] == "events-ws"
    (key_made,) = app.events("api_key.created")
    assert key_made["before"] is None
    assert key_made["after"] == {
        "object": "api_key", "id": created["id"], "name": "ci", "scope": "write",
        "workspace_id": workspace["id"], "created": created["created"], "last_used_at": None,
    }  # fmt: skip
    (revoked,) = app.events("api_key.revoked")
    assert "revoked_at" not in revoked["before"]
    assert revoked["after"]["revoked_at"] is not None
    for event in (key_made, revoked):
        assert created["key"] not in str(event)


@pytest.mark.parametrize("name", ["", " ", "\t  \n"])
def test_names_must_hold_a_character_that_is_not_a_space(app: Harness, name: str):
    model = app.register()["id"]
    before = app.snapshot()
    for method, path, body in [
        ("POST", "/v1/api_keys", {"workspace": "default", "scope": "read", "name": name}),
        ("POST", "/v1/fine_tuning/models", {"root": "mistral-small-2506", "name": name}),
        ("PATCH", f"/v1/fine_tuning/models/{model}", {"name": name}),
    ]:
        response = app.call(method, path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert app.snapshot() == before
