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
    model_id = registered(live_server, key, name="Support bot", labels={"stage": "dev"})
    result = as_user(live_server, key, "models", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    header = ["ID", "TYPE", "NAME", "ROOT", "LABELS", "ALIASES", "STATUS", "CREATED"]
    assert lines[0].split() == header
    (row,) = [line for line in lines if line.startswith(model_id)]
    assert row.split()[1:8] == [
        "fine-tuned", "Support", "bot", "mistral-small-2506", "stage=dev", "-", "active",
    ]  # fmt: skip
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


# --- paging -------------------------------------------------------------------------------------


def test_list_with_a_limit_is_one_page_in_id_order_and_says_how_to_get_the_next(
    live_server: LiveServer,
):
    key = live_server.new_workspace_key("read")
    everything = sorted(card["id"] for card in api(live_server, key, "/v1/models").json()["data"])
    first = as_user(live_server, key, "models", "list", "--limit", "3")
    assert first.exit_code == 0, first.output
    rows = [line.split()[0] for line in first.stdout.splitlines()[1:]]
    assert rows == everything[:3]
    assert first.stderr == (f"More: modelyard models list --limit 3 --after {everything[2]}\n")
    page = json_of(
        as_user(live_server, key, "models", "list", "--limit", "3", "--after", everything[2],
                "--json")
    )  # fmt: skip
    assert [card["id"] for card in page["data"]] == everything[3:6]
    assert (page["has_more"], page["last_id"]) == (True, everything[5])


def test_the_next_page_hint_keeps_the_filters(live_server: LiveServer):
    key = live_server.new_workspace_key()
    for _ in range(3):
        registered(live_server, key, description="two words")
    result = as_user(live_server, key, "models", "list", "--type", "fine-tuned", "--active",
                     "-q", "two words", "--limit", "2")  # fmt: skip
    last = result.stdout.splitlines()[-1].split()[0]
    assert result.stderr == (
        "More: modelyard models list --type fine-tuned --active --query 'two words' "
        f"--limit 2 --after {last}\n"
    )


def test_the_last_page_has_no_hint(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    result = as_user(live_server, key, "models", "list", "--limit", "1000")
    assert (result.exit_code, result.stderr) == (0, "")


def test_list_all_streams_every_page_through_the_sdk(live_server: LiveServer):
    key = live_server.new_workspace_key()
    for _ in range(3):
        registered(live_server, key)
    everything = sorted(card["id"] for card in api(live_server, key, "/v1/models").json()["data"])
    every = json_of(as_user(live_server, key, "models", "list", "--all", "--limit", "2", "--json"))
    assert [card["id"] for card in every["data"]] == everything
    after = json_of(
        as_user(live_server, key, "models", "list", "--all", "--after", everything[4], "--json")
    )
    assert [card["id"] for card in after["data"]] == everything[5:]
    table = as_user(live_server, key, "models", "list", "--all", "--limit", "5")
    assert [line.split()[0] for line in table.stdout.splitlines()[1:]] == everything


def test_after_without_a_limit_is_a_usage_error(live_server: LiveServer):
    key = live_server.new_workspace_key("read")
    result = as_user(live_server, key, "models", "list", "--after", "x")
    assert result.exit_code == 2
    assert "--after needs --limit or --all" in result.stderr


# --- describe from a file -----------------------------------------------------------------------


def test_describe_reads_the_description_from_a_file_or_stdin(live_server: LiveServer, tmp_path):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key)
    text = "Answers support tickets.\n\nIn English and French.\n"
    (tmp_path / "description.md").write_text(text)
    done = as_user(
        live_server, key, "models", "describe", model_id, "--file", str(tmp_path / "description.md")
    )
    assert done.stdout == f"Set the description of {model_id}.\n"
    card = api(live_server, key, f"/v1/models/{model_id}").json()
    assert card["description"] == text.rstrip("\n")
    piped = as_user(live_server, key, "models", "describe", model_id, "--file", "-", input="Bot\n")
    assert piped.exit_code == 0, piped.output
    assert api(live_server, key, f"/v1/models/{model_id}").json()["description"] == "Bot"


def test_describe_needs_text_or_a_file_but_not_both(live_server: LiveServer, tmp_path):
    key = live_server.new_workspace_key()
    model_id = registered(live_server, key)
    neither = as_user(live_server, key, "models", "describe", model_id)
    both = as_user(live_server, key, "models", "describe", model_id, "x", "--file", "-")
    assert neither.exit_code == both.exit_code == 2
    missing = failure(
        as_user(live_server, key, "models", "describe", model_id, "--file", str(tmp_path / "no"))
    )
    assert missing == f"Error: cannot read {tmp_path / 'no'}: No such file or directory"


# --- classifiers --------------------------------------------------------------------------------


def details(result: Any) -> dict[str, list[str]]:
    """A detail view's rows: label -> values (a label's continuation lines included)."""
    rows: dict[str, list[str]] = {}
    label = ""
    for line in result.stdout.splitlines():
        head, _, value = line.partition("  ")
        if head.strip() and not line.startswith(" "):
            label = head.strip()
        rows.setdefault(label, []).append(value.strip() if head.strip() else line.strip())
    return rows


def test_register_a_classifier_with_target_flags_and_get_shows_its_targets(
    live_server: LiveServer,
):
    key = live_server.new_workspace_key()
    registered_ = as_user(
        live_server, key, "models", "register", "--root", "mistral-small-latest",
        "--classifier-target", "mood:happy,sad:0.5",
        "--classifier-target", "topic:billing,bugs,other::multi_class",
    )  # fmt: skip
    assert registered_.exit_code == 0, registered_.output
    model_id = registered_.stdout.split()[1].rstrip(".")
    assert model_id.startswith("ft:classifier:mistral-small-2506:")
    shown = details(as_user(live_server, key, "models", "get", model_id))
    assert shown["Model type"] == ["classifier"]
    assert shown["Targets"] == [
        "mood: happy, sad (weight 0.5, single_class)",
        "topic: billing, bugs, other (weight 1, multi_class)",
    ]
    before = api(live_server, key, f"/v1/models/{model_id}").headers["etag"]
    with live_server.client() as http:
        logged = http.get("/v1/audit/events", params={"model_id": model_id}).json()["data"]
    assert [event["action"] for event in logged] == ["model.registered"]  # get changed nothing
    assert api(live_server, key, f"/v1/models/{model_id}").headers["etag"] == before


def test_register_a_classifier_from_a_targets_file(live_server: LiveServer, tmp_path):
    key = live_server.new_workspace_key()
    targets = [{"name": "spam", "labels": ["yes", "no"], "loss_function": "single_class"}]
    (tmp_path / "targets.json").write_text(json.dumps(targets))
    card = json_of(
        as_user(live_server, key, "models", "register", "--root", "mistral-small-latest",
                "--targets-file", str(tmp_path / "targets.json"), "--json")
    )  # fmt: skip
    assert card["id"].startswith("ft:classifier:")
    assert card["capabilities"]["classification"] is True


def test_get_of_a_classifier_with_a_read_key_says_how_to_see_its_targets(live_server: LiveServer):
    writer = live_server.new_workspace_key()
    model_id = registered(
        live_server,
        writer,
        model_type="classifier",
        classifier_targets=[{"name": "mood", "labels": ["happy"]}],
    )
    with live_server.client() as http:
        me = http.get("/v1/me", headers={"Authorization": f"Bearer {writer}"}).json()
        reader = http.post(
            "/v1/api_keys", json={"workspace": me["workspace_id"], "scope": "read"}
        ).json()["key"]
    shown = details(as_user(live_server, reader, "models", "get", model_id))
    assert shown["Model type"] == ["classifier"]
    assert shown["Targets"] == ["a write key shows them (the card does not carry them)"]


def test_a_completion_model_shows_its_type(live_server: LiveServer):
    key = live_server.new_workspace_key()
    shown = details(as_user(live_server, key, "models", "get", registered(live_server, key)))
    assert shown["Model type"] == ["completion"]
    assert "Targets" not in shown


@pytest.mark.parametrize(
    "spec", ["mood", "mood:", ":happy", "mood:happy:heavy", "a:b:1:single_class:extra"]
)
def test_a_malformed_target_flag_is_a_usage_error_showing_the_form(
    live_server: LiveServer, spec: str
):
    key = live_server.new_workspace_key()
    result = as_user(
        live_server, key, "models", "register", "--root", "x", "--classifier-target", spec
    )
    assert result.exit_code == 2
    assert "NAME:LABEL[,LABEL...][:WEIGHT[:LOSS]]" in " ".join(result.stderr.split())
