"""`/v1/me`, workspaces and keys: the first admin key and the admin API."""

import re

import sqlalchemy as sa

from modelyard.store.tables import api_keys
from tests.support.app import ADMIN_KEY, Harness


def test_me_describes_the_calling_key(app: Harness):
    me = app.call("GET", "/v1/me").json()
    assert me["object"] == "api_key"
    assert me["scope"] == "admin"
    assert set(me) == {"object", "id", "name", "scope", "workspace_id", "organization_id"}
    workspaces = app.call("GET", "/v1/workspaces").json()["data"]
    assert [ws["name"] for ws in workspaces] == ["default"]
    assert workspaces[0]["id"] == me["workspace_id"]
    assert re.fullmatch(r"[0-9a-f]{8}", workspaces[0]["tag"])


def test_created_keys_are_shown_once_and_stored_only_as_hashes(app: Harness):
    workspace = app.workspace("team-a")
    created = app.call(
        "POST", "/v1/api_keys", json={"workspace": "team-a", "scope": "read", "name": "ci"}
    )
    assert created.status_code == 201
    body = created.json()
    assert re.fullmatch(r"myd_[A-Za-z0-9_-]{40}", body["key"])
    assert body["workspace_id"] == workspace["id"]
    assert body["last_used_at"] is None
    listed = app.call("GET", "/v1/api_keys").json()["data"]
    assert all("key" not in key for key in listed)
    assert body["id"] in [key["id"] for key in listed]
    with app.store.read() as tx:
        stored = [tuple(row) for row in tx.conn.execute(sa.select(api_keys))]
    flat = repr(stored)
    assert body["key"] not in flat
    assert ADMIN_KEY not in flat


def test_workspace_names_are_unique(app: Harness):
    app.workspace("dup")
    response = app.call("POST", "/v1/workspaces", json={"name": "dup"})
    assert response.status_code == 409
    assert response.json()["code"] == "workspace_exists"


def test_keys_for_an_unknown_workspace_are_404(app: Harness):
    response = app.call("POST", "/v1/api_keys", json={"workspace": "nope", "scope": "read"})
    assert response.status_code == 404
    assert response.json()["code"] == "workspace_not_found"
