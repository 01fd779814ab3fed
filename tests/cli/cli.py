"""Driving `modelyard` in-process with typer's CliRunner, isolated from the caller's MODELYARD_*."""

from __future__ import annotations

import json
import os
from typing import Any

from typer.testing import CliRunner, Result

from modelyard.cli.main import app
from tests.support.server import TEST_CATALOG, LiveServer


def run(*args: str, input: str | None = None, **env: str) -> Result:
    """`modelyard ARGS` with only the given MODELYARD_* variables (and the test catalog)."""
    clean: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith("MODELYARD_")
    }
    environment = {**clean, "MODELYARD_CATALOG": str(TEST_CATALOG), **env}
    return CliRunner().invoke(app, list(args), input=input, env=environment, catch_exceptions=False)


def on_store(database_url: str, *args: str, input: str | None = None) -> Result:
    return run(*args, input=input, MODELYARD_DATABASE_URL=database_url)


def as_user(server: LiveServer, key: str, *args: str, input: str | None = None) -> Result:
    return run(*args, input=input, MODELYARD_SERVER_URL=server.base_url, MODELYARD_API_KEY=key)


def json_of(result: Result) -> Any:
    """The one JSON document a successful `--json` run printed, and nothing else anywhere."""
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return json.loads(result.stdout)


def failure(result: Result, exit_code: int = 1) -> str:
    """The one-line error of a failed run (nothing on stdout)."""
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]
