"""Operator commands on the store itself (no server): init, serve, db, workspaces, keys, catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.registry.tenancy import TenancyService
from modelyard.store import migrate
from modelyard.store.engine import Store
from modelyard.store.tables import audit_events
from tests.cli.cli import failure, json_of, on_store, run
from tests.support.app import ADMIN_KEY


def events(database_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_events).order_by(audit_events.c.id)).mappings()
        found = [dict(row) for row in rows]
    engine.dispose()
    return found


def authenticate(database_url: str, secret: str) -> str:
    store = Store.from_url(database_url)
    try:
        with store.read() as tx:
            return TenancyService().authenticate(tx, secret).scope
    finally:
        store.dispose()


# --- init, db upgrade, serve --------------------------------------------------------------------


def test_init_prints_the_first_admin_key_once_then_says_the_store_is_ready(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    first = on_store(url, "init")
    assert first.exit_code == 0, first.output
    assert "shown once" in first.stderr
    key = first.stdout.strip()
    assert re.fullmatch(r"myd_[A-Za-z0-9_-]{40}", key)
    assert authenticate(url, key) == "admin"
    second = on_store(url, "init")
    assert (second.exit_code, second.stdout, second.stderr) == (0, "Store ready.\n", "")
    assert json_of(on_store(url, "init", "--json")) == {"admin_key": None}


def test_init_never_prints_a_supplied_admin_key(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run("init", "--json", MODELYARD_DATABASE_URL=url, MODELYARD_ADMIN_KEY=ADMIN_KEY)
    assert json_of(result) == {"admin_key": None}
    assert authenticate(url, ADMIN_KEY) == "admin"


def test_the_database_url_flag_wins_over_the_environment(tmp_path: Path):
    flagged = tmp_path / "flag.db"
    result = run(
        "init",
        "--json",
        "--database-url",
        f"sqlite:///{flagged}",
        MODELYARD_DATABASE_URL=f"sqlite:///{tmp_path / 'env.db'}",
    )
    assert json_of(result)["admin_key"].startswith("myd_")
    assert flagged.exists()
    assert not (tmp_path / "env.db").exists()


def test_db_upgrade_creates_the_schema_then_has_nothing_to_do(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    (head,) = migrate.heads()
    assert json_of(on_store(url, "db", "upgrade", "--json")) == {"from": None, "to": head}
    again = on_store(url, "db", "upgrade")
    assert again.exit_code == 0
    assert again.stdout == f"The store is already at schema {head}.\n"


def test_serve_prepares_the_store_then_hands_the_flags_to_uvicorn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    # serve hands its flags to the worker processes through the environment: restore it after.
    monkeypatch.setenv("MODELYARD_DATABASE_URL", "sqlite:///unused.db")
    monkeypatch.setenv("MODELYARD_LOG_FORMAT", "text")
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run(
        "serve", "--port", "9123", "--workers", "3", "--database-url", url, "--json",
        MODELYARD_ADMIN_KEY=ADMIN_KEY,
    )  # fmt: skip
    assert json_of(result) == {"url": "http://127.0.0.1:9123", "admin_key": None}
    assert len(calls) == 1
    assert (calls[0]["host"], calls[0]["port"], calls[0]["workers"]) == ("127.0.0.1", 9123, 3)
    assert authenticate(url, ADMIN_KEY) == "admin"


def test_serve_announces_a_generated_first_key_on_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setenv("MODELYARD_DATABASE_URL", "sqlite:///unused.db")
    result = run("serve", "--database-url", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("myd_")
    assert "on http://127.0.0.1:8000 (API under /v1)" in result.stderr


# --- a store that is not ready ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("workspaces", "list"), ("keys", "list"), ("catalog", "sync")],
)
def test_operator_commands_on_a_missing_store_say_to_run_init_and_create_nothing(
    tmp_path: Path, args: tuple[str, ...]
):
    missing = tmp_path / "missing.db"
    line = failure(on_store(f"sqlite:///{missing}", *args))
    assert "run `modelyard init` first" in line
    assert not missing.exists()


def test_operator_commands_on_a_store_without_schema_say_to_run_init(tmp_path: Path):
    empty = tmp_path / "empty.db"
    engine = sa.create_engine(f"sqlite:///{empty}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE unrelated (id INTEGER)")
    engine.dispose()
    assert "has no schema yet" in failure(on_store(f"sqlite:///{empty}", "keys", "list"))


def test_an_unreachable_database_is_one_line_with_the_password_hidden():
    url = "postgresql://someone:s3cret@127.0.0.1:1/nothing"
    line = failure(on_store(url, "workspaces", "list"))
    assert "store_unavailable" in line
    assert "s3cret" not in line


# --- workspaces ---------------------------------------------------------------------------------


def test_workspaces_create_and_list_on_the_store(store_url: str):
    created = json_of(on_store(store_url, "workspaces", "create", "team-a", "--json"))
    assert set(created) == {"object", "id", "name", "tag", "created"}
    assert (created["object"], created["name"]) == ("workspace", "team-a")
    listed = json_of(on_store(store_url, "workspaces", "list", "--json"))
    assert listed["object"] == "list"
    assert [each["name"] for each in listed["data"]] == ["default", "team-a"]
    assert listed["data"][1] == created
    table = on_store(store_url, "workspaces", "list")
    assert table.stdout.splitlines()[0].split() == ["NAME", "ID", "TAG", "CREATED"]
    assert created["id"] in table.stdout


def test_a_workspace_made_by_the_operator_is_audited_with_no_key(store_url: str):
    result = on_store(store_url, "workspaces", "create", "team-a")
    assert result.exit_code == 0
    assert result.stdout.startswith("Created workspace team-a (id ")
    (event,) = events(store_url)
    assert (event["action"], event["actor_key_id"]) == ("workspace.created", None)


def test_a_taken_workspace_name_is_a_conflict(store_url: str):
    on_store(store_url, "workspaces", "create", "team-a")
    line = failure(on_store(store_url, "workspaces", "create", "team-a"))
    assert line == "Error: A workspace named 'team-a' already exists. (409 workspace_exists)"


def test_a_malformed_workspace_name_is_refused_as_the_api_would(store_url: str):
    line = failure(on_store(store_url, "workspaces", "create", "no spaces"))
    assert line == (
        "Error: name: use 1-64 letters, digits, '.', '_' or '-', beginning with a letter or digit"
        " (422)"
    )
    assert events(store_url) == []


# --- keys ---------------------------------------------------------------------------------------


def test_keys_create_json_has_the_id_and_the_secret_once(store_url: str):
    on_store(store_url, "workspaces", "create", "team-a")
    created = json_of(
        on_store(
            store_url, "keys", "create", "--workspace", "team-a", "--scope", "write",
            "--name", "ci", "--json",
        )
    )  # fmt: skip
    assert set(created) == {
        "object", "id", "name", "scope", "workspace_id", "created", "last_used_at", "key",
    }  # fmt: skip
    assert (created["name"], created["scope"]) == ("ci", "write")
    assert authenticate(store_url, created["key"]) == "write"
    listed = on_store(store_url, "keys", "list", "--json")
    assert created["id"] in listed.stdout
    assert created["key"] not in listed.stdout
    assert all("key" not in each for each in json_of(listed)["data"])


def test_keys_create_shows_the_secret_to_people_and_list_shows_workspace_names(store_url: str):
    on_store(store_url, "workspaces", "create", "team-a")
    result = on_store(store_url, "keys", "create", "-w", "team-a", "--scope", "read")
    assert result.exit_code == 0
    secret = result.stdout.splitlines()[-1].strip()
    assert authenticate(store_url, secret) == "read"
    table = on_store(store_url, "keys", "list").stdout
    assert table.splitlines()[0].split() == [
        "ID",
        "NAME",
        "SCOPE",
        "WORKSPACE",
        "CREATED",
        "LAST",
        "USED",
    ]
    assert re.search(r"\sread\s+team-a\s", table)
    assert secret not in table


def test_keys_create_in_an_unknown_workspace_is_not_found(store_url: str):
    line = failure(on_store(store_url, "keys", "create", "-w", "nope", "--scope", "read"))
    assert line == "Error: Workspace 'nope' not found. (404 workspace_not_found)"


def test_keys_create_with_an_unknown_scope_is_a_usage_error(store_url: str):
    result = on_store(store_url, "keys", "create", "-w", "default", "--scope", "root")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_keys_revoke_refuses_the_key_from_then_on(store_url: str):
    created = json_of(
        on_store(store_url, "keys", "create", "-w", "default", "--scope", "read", "--json")
    )
    revoked = json_of(on_store(store_url, "keys", "revoke", created["id"], "--json"))
    assert revoked == {"object": "api_key", "id": created["id"], "revoked": True}
    from modelyard.registry.errors import Unauthorized

    with pytest.raises(Unauthorized):
        authenticate(store_url, created["key"])
    assert [event["action"] for event in events(store_url)] == [
        "api_key.created",
        "api_key.revoked",
    ]


def test_keys_revoke_of_an_unknown_key_is_not_found(store_url: str):
    line = failure(on_store(store_url, "keys", "revoke", "no-such-key"))
    assert line == "Error: API key 'no-such-key' not found. (404 api_key_not_found)"


def test_workspaces_and_keys_work_on_both_dialects(database_url: str):
    assert json_of(on_store(database_url, "init", "--json"))["admin_key"].startswith("myd_")
    assert on_store(database_url, "workspaces", "create", "team-a").exit_code == 0
    created = json_of(
        on_store(database_url, "keys", "create", "-w", "team-a", "--scope", "admin", "--json")
    )
    assert authenticate(database_url, created["key"]) == "admin"
    listed = json_of(on_store(database_url, "keys", "list", "--json"))["data"]
    assert [each["scope"] for each in listed] == ["admin", "admin"]


# --- catalog ------------------------------------------------------------------------------------


def test_catalog_show_checks_the_file_and_lists_its_models():
    shown = json_of(run("catalog", "show", "--json"))
    ids = [model["id"] for model in shown["models"]]
    assert ids[0] == "mistral-small-2506"
    assert "meta-llama/Llama-3.1-8B-Instruct" in ids
    table = run("catalog", "show").stdout
    assert "mistral-small-latest" in table
    assert table.splitlines()[1].split()[:3] == ["ID", "PROVIDER", "VERSION"]


def test_catalog_show_of_a_broken_file_is_one_line(tmp_path: Path):
    broken = tmp_path / "catalog.yaml"
    broken.write_text("models:\n  - id: x\n")
    line = failure(run("catalog", "show", "--catalog", str(broken)))
    assert line == (
        f"Error: catalog {broken}, models[0]: provider: is required; created: is required; "
        "max_context_length: is required (catalog_invalid)"
    )


def test_catalog_sync_loads_a_changed_file_once(store_url: str, tmp_path: Path):
    unchanged = json_of(on_store(store_url, "catalog", "sync", "--json"))
    assert (unchanged["changed"], unchanged["models"]) == (False, 4)
    smaller = tmp_path / "catalog.yaml"
    smaller.write_text(
        "models:\n  - {id: tiny-1, provider: acme, created: 1700000000, max_context_length: 8}\n"
    )
    changed = json_of(on_store(store_url, "catalog", "sync", "--catalog", str(smaller), "--json"))
    assert (changed["changed"], changed["models"]) == (True, 1)
    again = on_store(store_url, "catalog", "sync", "--catalog", str(smaller))
    assert again.stdout.startswith("The store already matches")


def test_json_output_is_exactly_one_document_for_every_operator_command(store_url: str):
    for args in (
        ("workspaces", "list"),
        ("keys", "list"),
        ("catalog", "show"),
        ("catalog", "sync"),
        ("db", "upgrade"),
        ("init",),
    ):
        result = on_store(store_url, *args, "--json")
        json.loads(result.stdout)  # raises on anything but one document
        assert result.stderr == ""
