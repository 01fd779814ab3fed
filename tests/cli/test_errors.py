"""Every CLI error is one line that says what to do: database URLs no store can open, a store
that is not where the user thinks, and the server's validation problems in plain words."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.cli.cli import as_user, failure, on_store, run
from tests.support.server import LiveServer

FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db or "
    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
)


def test_a_mysql_url_says_it_is_not_supported_and_what_works():
    assert failure(on_store("mysql://x/y", "keys", "list")) == (
        "Error: mysql is not supported (mysql://x/y): Modelyard stores its registry in SQLite "
        f"or PostgreSQL; use {FORMS} (for PostgreSQL: pip install 'modelyard[postgres]')"
    )


def test_something_that_is_not_a_url_says_which_forms_work():
    assert failure(on_store("foo", "workspaces", "list")) == (
        f"Error: 'foo' is not a database URL: use {FORMS}"
    )


def test_another_postgres_driver_says_to_write_the_plain_url():
    line = failure(on_store("postgresql+asyncpg://me:secret@db/registry", "keys", "list"))
    assert "write the URL as postgresql://USER@HOST/DATABASE" in line
    assert "secret" not in line


@pytest.mark.parametrize(
    "args",
    [("init",), ("db", "upgrade"), ("db", "backup", "x.db"), ("db", "copy", "--to", "sqlite://")],
)
def test_every_operator_command_checks_the_url(args: tuple[str, ...]):
    assert "mysql is not supported" in failure(on_store("mysql://x/y", *args))


def test_a_bad_target_url_of_a_copy_is_one_line(store_url: str):
    assert "'nowhere' is not a database URL" in failure(
        on_store(store_url, "db", "copy", "--to", "nowhere")
    )


def test_a_missing_store_is_named_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    line = failure(run("keys", "list"))  # the default URL, sqlite:///./modelyard.db
    assert line == (
        f"Error: no store at {tmp_path / 'modelyard.db'} (sqlite:///./modelyard.db): "
        "run `modelyard init` first, or point --database-url at your store"
    )


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path: Path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    done = subprocess.run(
        [sys.executable, "-m", "modelyard", "keys", "list", "--database-url", "mysql://x/y"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("Error: mysql is not supported")
    assert len(done.stderr.splitlines()) == 1


# --- the server's validation problems -------------------------------------------------------------


def test_a_suffix_with_spaces_reads_as_a_sentence(live_server: LiveServer):
    key = live_server.new_workspace_key()
    args = ("models", "register", "--root", "mistral-small-latest", "--suffix", "Support Bot")
    assert failure(as_user(live_server, key, *args)) == (
        "Error: suffix: use 1-18 lowercase letters, digits or '-' (422)"
    )


def test_a_job_that_is_not_a_uuid_reads_as_a_sentence(live_server: LiveServer):
    key = live_server.new_workspace_key()
    args = ("models", "register", "--root", "mistral-small-latest", "--job", "1234")
    assert failure(as_user(live_server, key, *args)) == (
        "Error: job: must be a UUID, such as 7e773925-2a41-4c34-9d51-0f5e7a0b8c11 (422)"
    )


def test_several_problems_are_one_line(live_server: LiveServer):
    key = live_server.new_workspace_key()
    args = ("models", "register", "--root", "mistral-small-latest", "--suffix", "A B")
    line = failure(as_user(live_server, key, *args, "--job", "1234", "--name", "x" * 300))
    assert line == (
        "Error: job: must be a UUID, such as 7e773925-2a41-4c34-9d51-0f5e7a0b8c11; "
        "name: use at most 256 characters; suffix: use 1-18 lowercase letters, digits or '-' "
        "(422)"
    )


def test_validation_through_a_real_process(live_server: LiveServer):
    key = live_server.new_workspace_key()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")},
        "MODELYARD_SERVER_URL": live_server.base_url,
        "MODELYARD_API_KEY": key,
    }
    done = subprocess.run(
        [sys.executable, "-m", "modelyard", "models", "register", "--root", "mistral-small-latest",
         "--job", str(uuid.uuid4()), "--suffix", "Support Bot"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "Error: suffix: use 1-18 lowercase letters, digits or '-' (422)\n"
