"""The command tree as a whole: help with an example everywhere, version, completion, and what a
user command costs to start (no server dependencies, no rich for --json)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
import typer.main
from typer.testing import CliRunner

from modelyard import __version__
from modelyard.cli.main import app
from tests.cli.cli import run
from tests.support.server import LiveServer


def command_paths() -> Iterator[tuple[str, ...]]:
    def walk(command: typer.main.TyperCommand | typer.main.TyperGroup, path: tuple[str, ...]):
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            yield path
            return
        for name, sub in subcommands.items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


COMMANDS = sorted(command_paths())


def test_the_tree_has_every_command_of_the_issue():
    assert (
        sorted(
            [
                ("init",),
                ("serve",),
                ("db", "upgrade"),
                ("db", "backup"),
                ("db", "restore"),
                ("db", "copy"),
                ("workspaces", "create"),
                ("workspaces", "list"),
                ("keys", "create"),
                ("keys", "list"),
                ("keys", "revoke"),
                ("catalog", "sync"),
                ("catalog", "show"),
                ("whoami",),
                ("models", "list"),
                ("models", "get"),
                ("models", "rename"),
                ("models", "describe"),
                ("models", "archive"),
                ("models", "unarchive"),
                ("models", "delete"),
                ("models", "register"),
                ("models", "label"),
                ("models", "artifact"),
                ("alias", "set"),
                ("alias", "get"),
                ("alias", "list"),
                ("alias", "delete"),
                ("audit",),
                ("webhooks", "create"),
                ("webhooks", "list"),
                ("webhooks", "get"),
                ("webhooks", "update"),
                ("webhooks", "delete"),
                ("webhooks", "rotate-secret"),
                ("webhooks", "deliveries"),
                ("webhooks", "redeliver"),
                ("webhooks", "ping"),
            ]
        )
        == COMMANDS
    )


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example_and_json(path: tuple[str, ...]):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert f"Example: modelyard {' '.join(path)}" in result.stdout
    assert "--json" in result.stdout


@pytest.mark.parametrize("group", ["db", "workspaces", "keys", "catalog", "models", "webhooks"])
def test_a_group_without_a_command_shows_its_help(group: str):
    result = run(group)
    assert "Commands" in result.stdout + result.stderr
    assert result.exit_code in (0, 2)  # click 8.2 exits 2 here, as for any missing command


def test_version():
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"modelyard {__version__}\n")


def test_an_unknown_command_or_option_is_a_usage_error():
    assert run("fly").exit_code == 2
    assert run("models", "list", "--colour").exit_code == 2


COMPLETE = "_MODELYARD_COMPLETE"


def test_shell_completion_script_is_offered_and_completes():
    # What `--show-completion` prints once it knows the shell (it detects it from the parent
    # processes, which a test run may not have), and what the script then asks for.
    script = CliRunner().invoke(app, [], prog_name="modelyard", env={COMPLETE: "source_bash"})
    assert script.exit_code == 0
    assert "complete" in script.stdout
    assert "_modelyard_completion" in script.stdout
    words = {COMPLETE: "complete_bash", "COMP_WORDS": "modelyard mo", "COMP_CWORD": "1"}
    completed = CliRunner().invoke(app, [], prog_name="modelyard", env=words)
    assert completed.stdout.split() == ["models"]


PROBE = """
import json, sys
if sys.argv[1:]:
    from modelyard.cli.main import main
    try:
        main()
    except SystemExit:
        pass
else:
    import httpx
server_side = {"fastapi", "starlette", "sqlalchemy", "uvicorn", "alembic", "yaml"}
loaded = {name.split(".")[0] for name in sys.modules}
rich = sorted(name for name in sys.modules if name.split(".")[0] == "rich")
print(json.dumps({"server_side": sorted(server_side & loaded), "rich": rich}), file=sys.stderr)
"""


def probe(server: LiveServer, *args: str) -> dict[str, list[str]]:
    """What a fresh interpreter loaded running `modelyard ARGS` (no ARGS: `import httpx`)."""
    environment = {"MODELYARD_SERVER_URL": server.base_url, "MODELYARD_API_KEY": server.admin_key}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={**environment, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stderr.strip().splitlines()[-1]))


def test_user_commands_load_no_server_dependencies_and_no_rendering_for_json(
    live_server: LiveServer,
):
    loaded = probe(live_server, "models", "list", "--json")
    assert loaded["server_side"] == []
    # httpx imports part of rich itself (its own CLI, when rich is installed); --json adds none.
    assert set(loaded["rich"]) <= set(probe(live_server)["rich"])
    assert probe(live_server, "models", "list")["server_side"] == []
