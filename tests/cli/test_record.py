"""The model record from the command line, against a real server process (both dialects):
`models label`, `models artifact`, `models list --label`, `models register --label`,
`alias set/get/list/delete`, and what the tables and detail views show."""

from __future__ import annotations

import pytest

from tests.cli.cli import as_user, failure, json_of
from tests.support.server import LiveServer

DIGEST = "sha256:" + "0f" * 32


def card(server: LiveServer, key: str, model_id: str) -> dict:
    with server.client(key) as http:
        response = http.get(f"/v1/models/{model_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_label_sets_and_removes_labels_keeping_the_others(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key, labels={"team": "search", "old": "x"})["id"]
    result = as_user(live_server, key, "models", "label", model_id, "stage=prod", "old-")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Labels of {model_id}: stage=prod, team=search.\n"
    assert card(live_server, key, model_id)["labels"] == {"team": "search", "stage": "prod"}
    updated = json_of(as_user(live_server, key, "models", "label", model_id, "team-", "--json"))
    assert updated["labels"] == {"stage": "prod"}


def test_a_malformed_label_change_is_a_usage_error_and_a_bad_key_the_servers_422(
    live_server: LiveServer,
):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    usage = as_user(live_server, key, "models", "label", model_id, "stage")
    assert usage.exit_code == 2
    said = " ".join(usage.stderr.replace("│", " ").split())
    assert "write key=value to set a label, or key- to remove it" in said
    line = failure(as_user(live_server, key, "models", "label", model_id, "Bad Key=1"))
    assert "labels" in line
    assert "(422)" in line
    assert card(live_server, key, model_id)["labels"] == {}


def test_artifact_records_the_weights_field_by_field_and_clears(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    uri = "s3://models/support-bot/v3"
    first = as_user(
        live_server, key, "models", "artifact", model_id, "--uri", uri, "--format", "safetensors"
    )
    assert first.stdout == f"Set the artifact of {model_id}: {uri}.\n"
    as_user(live_server, key, "models", "artifact", model_id, "--digest", DIGEST, "--adapter")
    artifact = card(live_server, key, model_id)["artifact"]
    assert (artifact["uri"], artifact["format"], artifact["digest"]) == (uri, "safetensors", DIGEST)
    assert artifact["adapter"] is True
    shown = as_user(live_server, key, "models", "get", model_id).stdout
    assert f"uri {uri}" in shown
    assert "format safetensors" in shown
    cleared = as_user(live_server, key, "models", "artifact", model_id, "--clear")
    assert cleared.stdout == f"Removed the artifact of {model_id}.\n"
    assert card(live_server, key, model_id)["artifact"] is None


def test_an_artifact_uri_with_credentials_is_refused_in_one_line(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    line = failure(
        as_user(
            live_server, key, "models", "artifact", model_id,
            "--uri", "https://bucket.s3.amazonaws.com/w?X-Amz-Signature=abc",
        )
    )  # fmt: skip
    assert "credentials" in line
    assert card(live_server, key, model_id)["artifact"] is None


def test_artifact_needs_fields_or_clear_but_not_both(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    assert as_user(live_server, key, "models", "artifact", model_id).exit_code == 2
    both = as_user(live_server, key, "models", "artifact", model_id, "--clear", "--uri", "s3://b/w")
    assert both.exit_code == 2


def test_register_with_labels_and_an_artifact_then_list_by_label(live_server: LiveServer):
    key = live_server.new_workspace_key()
    made = json_of(
        as_user(
            live_server, key, "models", "register", "--root", "mistral-small-latest",
            "--label", "stage=prod", "-l", "team=search", "--artifact-uri", "hf://acme/bot",
            "--json",
        )
    )  # fmt: skip
    assert made["labels"] == {"stage": "prod", "team": "search"}
    assert made["artifact"]["uri"] == "hf://acme/bot"
    other = live_server.register(key, labels={"stage": "dev"})["id"]

    def ids(*flags: str) -> list[str]:
        listed = json_of(as_user(live_server, key, "models", "list", *flags, "--json"))
        return [each["id"] for each in listed["data"]]

    assert ids("--label", "stage=prod") == [made["id"]]
    assert sorted(ids("--label", "stage", "--type", "fine-tuned")) == sorted([made["id"], other])
    assert ids("--label", "stage=prod", "--label", "team=nobody") == []
    table = as_user(live_server, key, "models", "list", "--label", "stage=prod").stdout
    assert "stage=prod, team=search" in table


def test_alias_set_get_list_move_and_delete(live_server: LiveServer):
    key = live_server.new_workspace_key()
    first = live_server.register(key, suffix="first")["id"]
    second = live_server.register(key, suffix="second")["id"]
    made = as_user(live_server, key, "alias", "set", "support-prod", first)
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith(f"support-prod -> {first} (ETag ")
    got = json_of(as_user(live_server, key, "alias", "get", "support-prod", "--json"))
    assert got["model"] == first
    with live_server.client(key) as http:
        etag = http.get("/v1/aliases/support-prod").headers["etag"]
    moved = as_user(live_server, key, "alias", "set", "support-prod", second, "--if-match", etag)
    assert moved.exit_code == 0, moved.output
    stale = failure(
        as_user(live_server, key, "alias", "set", "support-prod", first, "--if-match", etag)
    )
    assert "(412 precondition_failed)" in stale
    assert card(live_server, key, "support-prod")["id"] == "support-prod"
    listing = as_user(live_server, key, "alias", "list").stdout.splitlines()
    assert listing[0].split() == ["ALIAS", "MODEL", "SET"]
    assert listing[1].split()[:2] == ["support-prod", second]
    shown = as_user(live_server, key, "models", "get", second).stdout
    assert "support-prod" in shown
    refused = failure(as_user(live_server, key, "models", "delete", second, "--yes"))
    assert "(409 model_has_aliases)" in refused
    deleted = as_user(live_server, key, "alias", "delete", "support-prod")
    assert deleted.stdout == "Deleted alias support-prod.\n"
    assert as_user(live_server, key, "alias", "list").stdout == "No aliases.\n"


def test_an_alias_may_not_shadow_a_base_model(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = live_server.register(key)["id"]
    line = failure(as_user(live_server, key, "alias", "set", "mistral-small-latest", model_id))
    assert "(409 alias_conflict)" in line


@pytest.mark.parametrize("via", ["store", "api"])
def test_keys_list_all_shows_revoked_keys(live_server: LiveServer, via: str):
    with live_server.client() as http:
        workspace = http.post("/v1/workspaces", json={"name": f"revoked-{via}"}).json()
        created = http.post(
            "/v1/api_keys", json={"workspace": workspace["id"], "scope": "read", "name": via}
        ).json()
        http.delete(f"/v1/api_keys/{created['id']}")
    where = (
        ("--database-url", live_server.database_url)
        if via == "store"
        else ("--server-url", live_server.base_url, "--api-key", live_server.admin_key)
    )
    live = as_user(live_server, live_server.admin_key, "keys", "list", *where).stdout
    assert created["id"] not in live
    every = as_user(live_server, live_server.admin_key, "keys", "list", "--all", *where)
    (row,) = [line for line in every.stdout.splitlines() if line.startswith(created["id"])]
    assert every.stdout.splitlines()[0].split()[-1] == "REVOKED"
    assert row.split()[-1] != "-"
    listed = json_of(
        as_user(live_server, live_server.admin_key, "keys", "list", "--all", "--json", *where)
    )
    (entry,) = [each for each in listed["data"] if each["id"] == created["id"]]
    assert entry["revoked_at"] is not None
