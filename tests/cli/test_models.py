"""`modelyard models ...` through the SDK against a real server process (both dialects).

Each test works with a key of a brand-new workspace, so it sees only its own fine-tuned models.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from modelyard.cli import models
from tests.cli.cli import as_user, failure, json_of, run
from tests.support.server import LiveServer


def api(server: LiveServer, key: str, path: str) -> httpx.Response:
    with server.client(key) as http:
        return http.get(path)


def registered(server: LiveServer, key: str, **body: Any) -> str:
    return str(server.register(key, **body)["id"])


# --- list and get -------------------------------------------------------------------------------


def test_list_json_is_the_apis_json(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    assert json_of(as_user(live_server, key, "models", "list", "--json")) == (
        api(live_server, key, "/v1/models").json()
    )


def test_list_filters_by_type_state_text_and_provider(live_server: LiveServer):
    key = live_server.new_workspace_key()
    active = registered(live_server, key, suffix="keep")
    archived = registered(live_server, key, root="open-mistral-7b", description="Old FAQ bot")
    as_user(live_server, key, "models", "archive", archived)

    def ids(*flags: str) -> list[str]:
        listed = json_of(as_user(live_server, key, "models", "list", *flags, "--json"))
        return [card["id"] for card in listed["data"]]

    assert sorted(ids("--type", "fine-tuned")) == sorted([archived, active])
    assert ids("--type", "fine-tuned", "--archived") == [archived]
    assert ids("--type", "fine-tuned", "--active") == [active]
    assert ids("--query", "faq BOT") == [archived]
    assert "mistral-small-2506" not in ids("--provider", "meta-llama")
    assert ids("--provider", "meta-llama") == ["meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"]


def test_list_table_for_people(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key, name="Support bot")
    result = as_user(live_server, key, "models", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "TYPE", "NAME", "ROOT", "STATUS", "CREATED"]
    (row,) = [line for line in lines if line.startswith(model_id)]
    assert row.split()[1:6] == ["fine-tuned", "Support", "bot", "mistral-small-2506", "active"]
    assert all(line == line.rstrip() for line in lines)


def test_list_with_nothing_matching_says_so(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    result = as_user(live_server, key, "models", "list", "--type", "fine-tuned")
    assert (result.exit_code, result.stdout) == (0, "No models match.\n")


def test_list_with_an_unknown_type_is_a_usage_error(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    result = as_user(live_server, key, "models", "list", "--type", "huge")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_get_shows_a_model_by_alias_or_by_an_id_with_a_slash(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    card = json_of(as_user(live_server, key, "models", "get", "mistral-small-latest", "--json"))
    assert card == api(live_server, key, "/v1/models/mistral-small-latest").json()
    slash = as_user(live_server, key, "models", "get", "meta-llama/Llama-3.1-8B-Instruct")
    assert slash.exit_code == 0
    assert "meta-llama/Llama-3.1-8B-Instruct" in slash.stdout
    assert "llama-3.1-8b" in slash.stdout


def test_get_of_an_unknown_model_is_one_line_with_the_servers_message_and_code(
    live_server: LiveServer,
):
    key = live_server.new_workspace_key("read")
    line = failure(as_user(live_server, key, "models", "get", "nope"))
    assert line == "Error: Model 'nope' not found. (404 model_not_found)"


def test_another_workspaces_model_is_not_found(live_server: LiveServer):
    model_id = registered(live_server, live_server.new_workspace_key())
    stranger = live_server.new_workspace_key()
    assert "404 model_not_found" in failure(
        as_user(live_server, stranger, "models", "get", model_id)
    )


# --- changes ------------------------------------------------------------------------------------


def test_rename_and_describe_print_the_update_response(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key)
    renamed = json_of(
        as_user(live_server, key, "models", "rename", model_id, "Support bot", "--json")
    )
    assert (renamed["id"], renamed["name"], renamed["model_type"]) == (
        model_id,
        "Support bot",
        "completion",
    )
    described = as_user(live_server, key, "models", "describe", model_id, "Answers tickets.")
    assert described.stdout == f"Set the description of {model_id}.\n"
    card = api(live_server, key, f"/v1/models/{model_id}").json()
    assert (card["name"], card["description"]) == ("Support bot", "Answers tickets.")


def test_archive_and_unarchive(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key)
    archived = json_of(as_user(live_server, key, "models", "archive", model_id, "--json"))
    assert archived == {"id": model_id, "object": "model", "archived": True}
    assert api(live_server, key, f"/v1/models/{model_id}").json()["archived"] is True
    people = as_user(live_server, key, "models", "unarchive", model_id)
    assert people.stdout == f"Unarchived {model_id}.\n"
    assert api(live_server, key, f"/v1/models/{model_id}").json()["archived"] is False


def test_changing_a_base_model_is_refused(live_server: LiveServer):
    key = live_server.new_workspace_key()
    line = failure(as_user(live_server, key, "models", "archive", "mistral-small-latest"))
    assert line.endswith("(403 base_model_immutable)")


def test_a_name_too_long_is_the_servers_validation_error(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key)
    line = failure(as_user(live_server, key, "models", "rename", model_id, "x" * 300))
    assert line == "Error: name: use at most 256 characters (422)"


def test_a_read_key_cannot_change_models(live_server: LiveServer):
    writer = live_server.new_workspace_key()
    model_id = registered(live_server, writer)
    with live_server.client() as http:
        me = http.get("/v1/me", headers={"Authorization": f"Bearer {writer}"}).json()
        created = http.post(
            "/v1/api_keys", json={"workspace": me["workspace_id"], "scope": "read"}
        ).json()
    line = failure(as_user(live_server, created["key"], "models", "rename", model_id, "x"))
    assert line.endswith("(403 insufficient_scope)")


# --- delete -------------------------------------------------------------------------------------


def test_delete_without_a_terminal_and_without_yes_refuses_and_says_why(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key)
    line = failure(as_user(live_server, key, "models", "delete", model_id))
    assert "no terminal to confirm on; pass --yes" in line
    assert api(live_server, key, f"/v1/models/{model_id}").status_code == 200


def test_delete_with_yes_deletes_and_prints_the_apis_result(live_server: LiveServer):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key)
    deleted = json_of(as_user(live_server, key, "models", "delete", model_id, "--yes", "--json"))
    assert deleted == {"id": model_id, "object": "model", "deleted": True}
    assert api(live_server, key, f"/v1/models/{model_id}").status_code == 404


def test_delete_asks_on_a_terminal(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(models, "stdin_is_terminal", lambda: True)
    key = live_server.new_workspace_key()
    kept = registered(live_server, key)
    declined = as_user(live_server, key, "models", "delete", kept, "--json", input="n\n")
    assert declined.exit_code == 1
    # The question goes to stderr, so --json output stays clean (CliRunner echoes the typed
    # answer on stdout, as a terminal shows it; a real terminal's echo never reaches a pipe).
    assert f"Delete {kept}? This cannot be undone." in declined.stderr
    assert declined.stdout.strip() == "n"
    assert api(live_server, key, f"/v1/models/{kept}").status_code == 200
    confirmed = as_user(live_server, key, "models", "delete", kept, "--json", input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    answer, document = confirmed.stdout.split("\n", 1)
    assert answer.strip() == "y"
    assert json.loads(document) == {"id": kept, "object": "model", "deleted": True}


# --- register -----------------------------------------------------------------------------------


def test_register_prints_the_card_and_a_replay_is_safe(live_server: LiveServer):
    key = live_server.new_workspace_key()
    job = str(uuid.uuid4())
    args = ("models", "register", "--root", "mistral-small-latest", "--job", job)
    card = json_of(
        as_user(live_server, key, *args, "--suffix", "bot", "--description", "FAQ", "--json")
    )
    assert card["id"].startswith("ft:mistral-small-2506:")
    assert (card["root"], card["job"], card["name"], card["description"]) == (
        "mistral-small-2506",
        job,
        "bot",
        "FAQ",
    )
    replay = as_user(live_server, key, *args, "--suffix", "bot", "--description", "FAQ")
    assert replay.exit_code == 0
    assert replay.stdout.startswith(f"Already registered: {card['id']}.")
    line = failure(as_user(live_server, key, *args, "--suffix", "other"))
    assert line.endswith("(409 model_exists)")


def test_register_for_people_shows_the_new_model(live_server: LiveServer):
    key = live_server.new_workspace_key()
    result = as_user(live_server, key, "models", "register", "--root", "codestral-latest")
    assert result.exit_code == 0
    first, *details = result.stdout.splitlines()
    assert first.startswith("Registered ft:codestral-2508:")
    assert ["Root", "codestral-2508"] in [line.split() for line in details]


def test_register_on_an_unknown_root_is_not_found(live_server: LiveServer):
    key = live_server.new_workspace_key()
    line = failure(as_user(live_server, key, "models", "register", "--root", "gpt-9"))
    assert line.endswith("(404 model_not_found)")


def test_register_without_a_root_is_a_usage_error(live_server: LiveServer):
    result = as_user(live_server, live_server.new_workspace_key(), "models", "register")
    assert result.exit_code == 2


# --- reaching the server ------------------------------------------------------------------------


def test_an_unknown_key_is_one_line_unauthorized(live_server: LiveServer):
    assert failure(as_user(live_server, "myd_nope", "models", "list")) == (
        "Error: Invalid API key. (401 unauthorized)"
    )


def test_no_key_at_all_is_a_usage_error(live_server: LiveServer):
    result = run("models", "list", MODELYARD_SERVER_URL=live_server.base_url)
    assert result.exit_code == 2
    assert "--api-key" in result.stderr
    assert "MODELYARD_API_KEY" in result.stderr


def test_flags_win_over_the_environment(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    result = run(
        "models",
        "get",
        "mistral-small-latest",
        "--server-url",
        live_server.base_url,
        "--api-key",
        key,
        MODELYARD_SERVER_URL="http://127.0.0.1:9",
        MODELYARD_API_KEY="myd_wrong",
    )
    assert result.exit_code == 0, result.output


def test_an_unreachable_server_is_one_line_at_once():
    line = failure(
        run("models", "list", MODELYARD_SERVER_URL="http://127.0.0.1:9", MODELYARD_API_KEY="k")
    )
    assert line.startswith("Error: cannot reach http://127.0.0.1:9:")
