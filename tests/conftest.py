from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.app import Harness, harness
from tests.support.databases import DIALECTS, fresh_database
from tests.support.server import LiveServer, run_server


@pytest.fixture(params=DIALECTS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database, once per dialect."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session", params=DIALECTS)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real server process per dialect, shared by a session: tests isolate by workspace."""
    workdir = tmp_path_factory.mktemp(f"server-{request.param}")
    with fresh_database(request.param, workdir) as url, run_server(url, workdir) as server:
        yield server


@pytest.fixture
def app(database_url: str) -> Iterator[Harness]:
    """The app in-process on a fresh store of each dialect, as the first admin."""
    with harness(database_url) as built:
        yield built


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "PostgreSQL not reachable" in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_sep(
            "=",
            f"{len(skipped)} PostgreSQL tests SKIPPED: no server at 127.0.0.1:5432 "
            "(they ran on SQLite only; CI=true makes them required)",
            yellow=True,
        )
