"""Who may call what: every endpoint x every kind of caller in one table, and tenant isolation.

The model belongs to workspace A. The callers: no key, a malformed header, an unknown key, a
revoked key (a write key of A), a read, a write and an admin key of A, and a write key of another
workspace B of the same organization. Another organization is checked separately at the end.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.registry.ids import hash_key, new_id, new_key_secret, new_tag
from modelyard.store import records
from modelyard.store.tenancy_repository import TenancyRepository
from tests.support.app import Harness

CALLERS = ("none", "malformed", "unknown", "revoked", "read", "write", "admin", "other")

U = "401 unauthorized"
S = "403 insufficient_scope"
N = "404 model_not_found"

# fmt: off
MATRIX: dict[str, tuple[int | str, ...]] = {
    #                   none malformed unknown revoked read write admin other
    "list":              (U, U, U, U, 200, 200, 200, 200),
    "retrieve":          (U, U, U, U, 200, 200, 200, N),
    "delete":            (U, U, U, U, S,   200, 200, N),
    "update":            (U, U, U, U, S,   200, 200, N),
    "archive":           (U, U, U, U, S,   200, 200, N),
    "unarchive":         (U, U, U, U, S,   200, 200, N),
    "register":          (U, U, U, U, S,   201, 201, 201),
    "me":                (U, U, U, U, 200, 200, 200, 200),
    "workspaces.list":   (U, U, U, U, S,   S,   200, S),
    "workspaces.create": (U, U, U, U, S,   S,   201, S),
    "api_keys.list":     (U, U, U, U, S,   S,   200, S),
    "api_keys.create":   (U, U, U, U, S,   S,   201, S),
    "api_keys.revoke":   (U, U, U, U, S,   S,   200, S),
    "audit.events":      (U, U, U, U, S,   S,   200, S),
}
# fmt: on


@dataclass
class Tenants:
    """Workspace A with a key of each scope, and a write key of workspace B."""

    app: Harness
    headers: dict[str, dict[str, str]]  # by caller
    writer: str  # A's write key
    workspace_a: str

    def model(self) -> str:
        """A fresh fine-tuned model of A, so a delete in one cell leaves the next cell its own."""
        return self.app.register(self.writer, name="target")["id"]


def tenants(app: Harness) -> Tenants:
    workspace_a = app.workspace()["id"]
    keys = {scope: app.key(scope, workspace_a) for scope in ("read", "write", "admin")}
    keys["other"] = app.key("write")
    keys["unknown"] = new_key_secret()
    keys["revoked"] = app.key("write", workspace_a)
    revoked_id = app.call("GET", "/v1/me", keys["revoked"]).json()["id"]
    assert app.call("DELETE", f"/v1/api_keys/{revoked_id}").status_code == 200
    headers = {caller: {"Authorization": f"Bearer {key}"} for caller, key in keys.items()}
    headers["none"] = {}
    headers["malformed"] = {"Authorization": "Basic bXlkOnNlY3JldA=="}
    return Tenants(app, headers, keys["write"], workspace_a)


def requests(t: Tenants) -> dict[str, Callable[[], tuple[str, str, Any]]]:
    """Each endpoint: a factory of (method, path, json body) aimed at a fresh target."""

    def key_to_revoke() -> str:
        created = t.app.call("POST", "/v1/api_keys", json={"workspace": "default", "scope": "read"})
        return str(created.json()["id"])

    return {
        "list": lambda: ("GET", "/v1/models", None),
        "retrieve": lambda: ("GET", f"/v1/models/{t.model()}", None),
        "delete": lambda: ("DELETE", f"/v1/models/{t.model()}", None),
        "update": lambda: ("PATCH", f"/v1/fine_tuning/models/{t.model()}", {"name": "changed"}),
        "archive": lambda: ("POST", f"/v1/fine_tuning/models/{t.model()}/archive", None),
        "unarchive": lambda: ("DELETE", f"/v1/fine_tuning/models/{t.model()}/archive", None),
        "register": lambda: ("POST", "/v1/fine_tuning/models", {"root": "mistral-small-2506"}),
        "me": lambda: ("GET", "/v1/me", None),
        "workspaces.list": lambda: ("GET", "/v1/workspaces", None),
        "workspaces.create": lambda: (
            "POST",
            "/v1/workspaces",
            {"name": f"m-{uuid.uuid4().hex[:12]}"},
        ),
        "api_keys.list": lambda: ("GET", "/v1/api_keys", None),
        "api_keys.create": lambda: (
            "POST",
            "/v1/api_keys",
            {"workspace": t.workspace_a, "scope": "read"},
        ),
        "api_keys.revoke": lambda: ("DELETE", f"/v1/api_keys/{key_to_revoke()}", None),
        "audit.events": lambda: ("GET", "/v1/audit/events", None),
    }


def outcome(response: Any) -> int | str:
    """The status, with the error code for a refusal, after checking the refusal's shape."""
    if response.status_code < 400:
        return int(response.status_code)
    body = response.json()
    assert set(body) == {"object", "message", "type", "param", "code"}, body
    assert body["object"] == "error"
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    return f"{response.status_code} {body['code']}"


def test_every_endpoint_answers_every_caller_as_the_matrix_says(app: Harness):
    t = tenants(app)
    factories = requests(t)
    assert set(factories) == set(MATRIX)
    actual: dict[str, tuple[int | str, ...]] = {}
    for route, expected_row in MATRIX.items():
        row = []
        for caller, expected in zip(CALLERS, expected_row, strict=True):
            method, path, body = factories[route]()
            before = app.snapshot()
            response = app.call(method, path, key=None, headers=t.headers[caller], json=body)
            row.append(outcome(response))
            if isinstance(expected, str):
                assert app.snapshot() == before, f"{route} by {caller} was refused yet changed"
        actual[route] = tuple(row)
    mismatches = {
        route: {
            c: (e, a)
            for c, e, a in zip(CALLERS, MATRIX[route], actual[route], strict=True)
            if e != a
        }
        for route in MATRIX
        if actual[route] != MATRIX[route]
    }
    assert not mismatches, f"(expected, actual) per caller: {mismatches}"


def test_the_list_never_shows_another_workspaces_models(app: Harness):
    mine, theirs = app.key("write"), app.key("write")
    own = {app.register(mine, name=f"own-{i}")["id"] for i in range(3)}
    foreign = {app.register(theirs, name=f"foreign-{i}")["id"] for i in range(3)}
    foreign_archived = app.register(theirs, name="foreign-archived")["id"]
    app.call("POST", f"/v1/fine_tuning/models/{foreign_archived}/archive", theirs)
    foreign.add(foreign_archived)
    queries: list[dict[str, Any]] = [
        {},
        {"type": "fine-tuned"},
        {"archived": "true"},
        {"q": "foreign"},
        {"model": "mistral-small-2506"},
        {"provider": "mistralai"},
        {"limit": 1000},
        {"limit": 1, "after": min(foreign)},
    ]
    for params in queries:
        response = app.call("GET", "/v1/models", mine, params=params)
        assert response.status_code == 200
        seen = {entry["id"] for entry in response.json()["data"]}
        assert not seen & foreign, params
        if params in ({}, {"type": "fine-tuned"}, {"limit": 1000}):
            assert own <= seen, params


def test_another_workspaces_model_is_indistinguishable_from_a_missing_one(app: Harness):
    owner, stranger = app.key("write"), app.key("write")
    existing = app.register(owner)["id"]
    missing = existing[:-8] + "00000000"
    for method, template in [
        ("GET", "/v1/models/{}"),
        ("DELETE", "/v1/models/{}"),
        ("PATCH", "/v1/fine_tuning/models/{}"),
        ("POST", "/v1/fine_tuning/models/{}/archive"),
        ("DELETE", "/v1/fine_tuning/models/{}/archive"),
    ]:
        answers = []
        for model_id in (existing, missing):
            response = app.call(method, template.format(model_id), stranger, json={})
            headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
            answers.append((response.status_code, headers, response.text.replace(model_id, "ID")))
        assert answers[0] == answers[1], (method, template)
        assert answers[0][0] == 404


def second_organization(app: Harness) -> str:
    """An admin key of a new organization, set up in the store as an operator would."""
    secret = new_key_secret()
    with app.store.write() as tx:
        repo = TenancyRepository(tx.conn)
        organization = records.Organization(new_id(), f"org-{secrets.token_hex(4)}", 0)
        repo.add_organization(organization)
        workspace = records.Workspace(new_id(), organization.id, "default", new_tag(), 0)
        repo.add_workspace(workspace)
        key = records.ApiKey(new_id(), workspace.id, organization.id, "ops", "admin", 0, None, None)
        repo.add_key(key, hash_key(secret))
    return secret


def test_nothing_crosses_between_organizations(app: Harness):
    writer = app.key("write")
    model = app.register(writer)["id"]
    app.call("PATCH", f"/v1/fine_tuning/models/{model}", writer, json={"name": "seen"})
    first = app.call("GET", "/v1/me").json()
    first_key_ids = {key["id"] for key in app.call("GET", "/v1/api_keys").json()["data"]}
    stranger = second_organization(app)
    me = app.call("GET", "/v1/me", stranger).json()
    assert me["organization_id"] != first["organization_id"]

    events = app.call("GET", "/v1/audit/events", stranger, params={"limit": 1000}).json()["data"]
    assert events == []
    assert (
        app.call("GET", "/v1/audit/events", stranger, params={"model_id": model}).json()["data"]
        == []
    )
    workspaces = app.call("GET", "/v1/workspaces", stranger).json()["data"]
    assert [ws["id"] for ws in workspaces] == [me["workspace_id"]]
    keys = app.call("GET", "/v1/api_keys", stranger).json()["data"]
    assert {key["id"] for key in keys} == {me["id"]}
    assert app.call("GET", f"/v1/models/{model}", stranger).status_code == 404
    listed = {entry["id"] for entry in app.call("GET", "/v1/models", stranger).json()["data"]}
    assert model not in listed

    before = app.snapshot()
    revoke = app.call("DELETE", f"/v1/api_keys/{first['id']}", stranger)
    assert (revoke.status_code, revoke.json()["code"]) == (404, "api_key_not_found")
    create = app.call(
        "POST",
        "/v1/api_keys",
        stranger,
        json={"workspace": first["workspace_id"], "scope": "admin"},
    )
    assert (create.status_code, create.json()["code"]) == (404, "workspace_not_found")
    by_name = app.call(
        "POST", "/v1/api_keys", stranger, json={"workspace": "default", "scope": "admin"}
    )
    assert by_name.json()["workspace_id"] == me["workspace_id"]  # its own "default", not ours
    assert app.call("DELETE", f"/v1/models/{model}", stranger).status_code == 404
    after = app.snapshot()
    assert after[0] == before[0]
    assert first_key_ids <= {key["id"] for key in app.call("GET", "/v1/api_keys").json()["data"]}
    assert app.call("GET", "/v1/me").status_code == 200


# Mass assignment: read-only and server-owned fields are refused wherever a body is accepted.
PATCH_READ_ONLY = [
    "archived", "owned_by", "job", "root", "id", "type", "object", "created", "workspace_id",
    "capabilities", "max_context_length", "aliases", "model_type", "root_version", "deleted",
    "version", "deprecation", "classifier_targets",
]  # fmt: skip
REGISTER_READ_ONLY = [
    "id", "object", "created", "owned_by", "archived", "type", "workspace_id", "aliases",
    "root_version", "version", "deleted",
]  # fmt: skip


@pytest.mark.parametrize("field", PATCH_READ_ONLY)
def test_a_patch_with_a_read_only_field_is_422_even_next_to_a_valid_one(app: Harness, field: str):
    model = app.register(name="before")["id"]
    before = app.snapshot()
    response = app.call(
        "PATCH", f"/v1/fine_tuning/models/{model}", json={"name": "after", field: "x"}
    )
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]
    assert app.snapshot() == before


@pytest.mark.parametrize("field", REGISTER_READ_ONLY)
def test_a_registration_cannot_choose_server_owned_fields(app: Harness, field: str):
    before = app.snapshot()
    body = {"root": "mistral-small-2506", field: "x"}
    response = app.call("POST", "/v1/fine_tuning/models", json=body)
    assert response.status_code == 422
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]
    assert app.snapshot() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/workspaces", {"name": "chosen", "id": "mine"}),
        ("/v1/workspaces", {"name": "chosen", "tag": "deadbeef"}),
        ("/v1/workspaces", {"name": "chosen", "organization_id": "other"}),
        ("/v1/api_keys", {"workspace": "default", "scope": "read", "key": "myd_" + "k" * 40}),
        ("/v1/api_keys", {"workspace": "default", "scope": "read", "key_hash": "0" * 64}),
        ("/v1/api_keys", {"workspace": "default", "scope": "read", "id": "mine"}),
        ("/v1/api_keys", {"workspace": "default", "scope": "read", "revoked_at": None}),
        ("/v1/api_keys", {"workspace": "default", "scope": "root"}),
    ],
)
def test_tenancy_bodies_cannot_choose_server_owned_fields(app: Harness, path: str, body: dict):
    before = app.snapshot()
    with app.store.read() as tx:
        keys_before = tx.conn.execute(sa.text("SELECT count(*) FROM api_keys")).scalar()
    response = app.call("POST", path, json=body)
    assert response.status_code == 422
    assert app.snapshot() == before
    with app.store.read() as tx:
        assert tx.conn.execute(sa.text("SELECT count(*) FROM api_keys")).scalar() == keys_before
