"""`whoami`, `audit`, and `workspaces`/`keys` with `--server-url` (the admin API), against a real
server process (both dialects)."""

from __future__ import annotations

import json
import uuid
from typing import get_args

import pytest

from modelyard.cli import audit
from modelyard.types import AuditAction
from tests.cli.cli import as_user, failure, json_of, on_store, run
from tests.support.server import LiveServer


def admin(server: LiveServer, *args: str) -> list[str]:
    return [*args, "--server-url", server.base_url, "--api-key", server.admin_key]


# --- whoami -------------------------------------------------------------------------------------


def test_whoami_json_is_the_apis_json(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    me = json_of(as_user(live_server, key, "whoami", "--json"))
    with live_server.client(key) as http:
        assert me == http.get("/v1/me").json()
    assert me["scope"] == "read"


def test_whoami_for_people(live_server: LiveServer):
    result = as_user(live_server, live_server.admin_key, "whoami")
    assert result.exit_code == 0
    rows = dict(line.split(maxsplit=1) for line in result.stdout.splitlines())
    assert rows["Server"] == live_server.base_url
    assert rows["Scope"] == "admin"


def test_whoami_with_a_revoked_key_is_unauthorized(live_server: LiveServer):
    created = json_of(
        run(*admin(live_server, "keys", "create", "-w", "default", "--scope", "read", "--json"))
    )
    run(*admin(live_server, "keys", "revoke", created["id"]))
    line = failure(as_user(live_server, created["key"], "whoami"))
    assert line.endswith("(401 unauthorized)")


# --- workspaces and keys through the admin API --------------------------------------------------


def test_workspaces_through_the_api_print_what_the_store_prints(live_server: LiveServer):
    name = f"ws-{uuid.uuid4().hex[:10]}"
    created = json_of(run(*admin(live_server, "workspaces", "create", name, "--json")))
    assert (created["object"], created["name"]) == ("workspace", name)
    through_api = json_of(run(*admin(live_server, "workspaces", "list", "--json")))
    on_the_store = json_of(on_store(live_server.database_url, "workspaces", "list", "--json"))
    assert through_api == on_the_store
    assert created in through_api["data"]
    people_api = run(*admin(live_server, "workspaces", "list")).stdout
    people_store = on_store(live_server.database_url, "workspaces", "list").stdout
    assert people_api == people_store


def test_a_taken_workspace_name_through_the_api_is_the_same_error(live_server: LiveServer):
    name = f"ws-{uuid.uuid4().hex[:10]}"
    run(*admin(live_server, "workspaces", "create", name))
    line = failure(run(*admin(live_server, "workspaces", "create", name)))
    assert line == f"Error: A workspace named '{name}' already exists. (409 workspace_exists)"


def test_keys_through_the_api_create_list_and_revoke(live_server: LiveServer):
    name = f"ws-{uuid.uuid4().hex[:10]}"
    run(*admin(live_server, "workspaces", "create", name))
    created = json_of(
        run(
            *admin(
                live_server,
                "keys",
                "create",
                "-w",
                name,
                "--scope",
                "write",
                "--name",
                "ci",
                "--json",
            )
        )
    )
    assert created["key"].startswith("myd_")
    assert (created["name"], created["scope"]) == ("ci", "write")
    listed = json_of(run(*admin(live_server, "keys", "list", "--json")))
    assert listed == json_of(on_store(live_server.database_url, "keys", "list", "--json"))
    assert created["id"] in [each["id"] for each in listed["data"]]
    revoked = json_of(run(*admin(live_server, "keys", "revoke", created["id"], "--json")))
    assert revoked == {"object": "api_key", "id": created["id"], "revoked": True}
    with live_server.client(created["key"]) as http:
        assert http.get("/v1/models").status_code == 401


def test_the_admin_api_needs_a_key_with_the_server_url(live_server: LiveServer):
    result = run("keys", "list", "--server-url", live_server.base_url)
    assert result.exit_code == 2
    assert "admin key is needed" in result.stderr


def test_the_admin_api_refuses_a_key_without_admin_scope(live_server: LiveServer):
    key = live_server.new_workspace_key("write")
    result = run("workspaces", "list", "--server-url", live_server.base_url, "--api-key", key)
    assert failure(result).endswith("(403 insufficient_scope)")


def test_the_server_url_variable_alone_does_not_switch_operators_to_the_api(
    live_server: LiveServer,
):
    # Operators act on the store unless --server-url is given, whatever the environment says.
    result = run(
        "workspaces",
        "list",
        "--json",
        MODELYARD_DATABASE_URL=live_server.database_url,
        MODELYARD_SERVER_URL="http://127.0.0.1:9",
        MODELYARD_API_KEY="myd_unused",
    )
    assert json_of(result)["object"] == "list"


# --- audit --------------------------------------------------------------------------------------


def test_audit_lists_a_models_events_oldest_first(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    as_user(live_server, key, "models", "rename", model_id, "bot")
    as_user(live_server, key, "models", "archive", model_id)
    feed = json_of(
        as_user(live_server, live_server.admin_key, "audit", "--model", model_id, "--json")
    )
    actions = [event["action"] for event in feed["data"]]
    assert actions == ["model.registered", "model.updated", "model.archived"]
    assert (feed["has_more"], feed["last_id"]) == (False, feed["data"][-1]["id"])
    with live_server.client() as http:
        api = http.get("/v1/audit/events", params={"model_id": model_id}).json()
    assert feed == api


def test_audit_limit_and_action_filters(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    for name in ("a", "b", "c"):
        as_user(live_server, key, "models", "rename", model_id, name)
    args = ("audit", "--model", model_id, "--action", "model.updated", "--limit", "2", "--json")
    feed = json_of(as_user(live_server, live_server.admin_key, *args))
    assert [event["after"]["name"] for event in feed["data"]] == ["a", "b"]
    assert feed["has_more"] is True
    table = as_user(live_server, live_server.admin_key, "audit", "--model", model_id).stdout
    assert table.splitlines()[0].split() == ["ID", "WHEN", "ACTION", "SUBJECT", "BY"]
    assert len(table.splitlines()) == 5


def test_audit_follow_prints_new_events_until_ctrl_c(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            with live_server.client(key) as http:
                http.post(f"/v1/fine_tuning/models/{model_id}/archive")
        else:
            raise KeyboardInterrupt

    monkeypatch.setattr(audit, "sleep", sleep)
    args = ("audit", "--model", model_id, "--follow", "--interval", "0.5", "--json")
    result = as_user(live_server, live_server.admin_key, *args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]  # JSON Lines
    assert [event["action"] for event in lines] == ["model.registered", "model.archived"]
    assert polls == [0.5, 0.5]


def test_audit_follow_for_people_is_one_line_per_event(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(audit, "sleep", interrupt)
    result = as_user(live_server, live_server.admin_key, "audit", "-f", "--model", model_id)
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()
    assert "model.registered" in line
    assert model_id in line


def test_audit_needs_an_admin_key(live_server: LiveServer):
    key = live_server.new_workspace_key("write")
    assert failure(as_user(live_server, key, "audit")).endswith("(403 insufficient_scope)")


def test_audit_actions_are_the_contracts():
    assert [action.value for action in audit.Action] == list(get_args(AuditAction))
