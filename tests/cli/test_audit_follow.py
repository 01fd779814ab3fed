"""`modelyard audit --follow` through a server restart: it waits, reconnects, and resumes after
the last event it printed, so no event is lost or printed twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from modelyard.store.tables import audit_events
from tests.cli.cli import on_store
from tests.support.server import free_port, run_server


class Lines(threading.Thread):
    """Collects a process's output lines as they come."""

    def __init__(self, stream: object) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[str] = []

    def run(self) -> None:
        for line in self.stream:  # type: ignore[attr-defined]
            self.lines.append(line)

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.lines) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.lines) >= count, self.lines


def test_follow_survives_a_restart_without_losing_or_repeating_an_event(
    database_url: str, tmp_path: Path
):
    port = free_port()
    with run_server(database_url, tmp_path, port=port) as server:
        admin_key = server.admin_key
        key = server.new_workspace_key()  # events 1 and 2
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")},
            "MODELYARD_SERVER_URL": server.base_url,
            "MODELYARD_API_KEY": admin_key,
        }
        follower = subprocess.Popen(
            [sys.executable, "-m", "modelyard", "audit", "--follow", "--json",
             "--interval", "0.2", "--limit", "9"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        printed, complaints = Lines(follower.stdout), Lines(follower.stderr)
        printed.start()
        complaints.start()
        try:
            printed.wait_for(2)
            for _ in range(2):
                server.register(key)  # events 3 and 4
            printed.wait_for(4)
            # The server goes away; changes made on the store meanwhile (events 5 and 6)...
            server.process.terminate()
            server.process.wait(timeout=30)
            assert on_store(database_url, "workspaces", "create", "while-down").exit_code == 0
            assert on_store(database_url, "workspaces", "create", "still-down").exit_code == 0
            complaints.wait_for(1)
            # ... are printed once it is back, followed by what comes after (events 7 to 9).
            with run_server(database_url, tmp_path, port=port, admin_key=admin_key) as again:
                for _ in range(3):
                    again.register(key)
                follower.wait(timeout=60)
        finally:
            follower.kill()
            follower.wait()
            printed.join(timeout=10)
            complaints.join(timeout=10)
            for stream in (follower.stdout, follower.stderr):
                if stream is not None:
                    stream.close()

    assert follower.returncode == 0
    ids = [json.loads(line)["id"] for line in printed.lines]
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        stored = list(conn.scalars(sa.select(audit_events.c.id).order_by(audit_events.c.id)))
    engine.dispose()
    assert ids == stored == list(range(1, 10))
    assert len(complaints.lines) == 1
    assert complaints.lines[0].startswith(f"Lost http://127.0.0.1:{port} (")
    assert complaints.lines[0].endswith("reconnecting...\n")
