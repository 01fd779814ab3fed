"""`modelyard db backup`, `db restore` and `db copy`: consistent copies of a store, between any
two dialects, checked table by table against what the source held."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from modelyard.store.checksums import table_sums
from modelyard.store.tables import audit_events, fine_tuned_models, metadata
from tests.cli.cli import failure, json_of, on_store
from tests.e2e.test_first_start import modelyard
from tests.support.app import ADMIN_KEY, harness
from tests.support.databases import fresh_database
from tests.support.server import LiveServer, run_server


@contextmanager
def engine_on(url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        yield engine
    finally:
        engine.dispose()


def every_table(url: str) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table, read plainly (no checksum code): what a copy must keep."""
    with engine_on(url) as engine, engine.connect() as conn:
        return {
            table.name: {_hashable(row) for row in conn.execute(sa.select(table))}
            for table in metadata.sorted_tables
        }


def _hashable(row: sa.Row[Any]) -> tuple[Any, ...]:
    return tuple(repr(value) if isinstance(value, dict | list) else value for value in row)


def sql_nulls(url: str) -> dict[str, int]:
    """How many JSON columns hold SQL NULL (as opposed to JSON null), per column."""
    counts = {}
    with engine_on(url) as engine, engine.connect() as conn:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.JSON):
                    query = sa.select(sa.func.count()).where(column.is_(None))
                    counts[f"{table.name}.{column.name}"] = int(conn.scalar(query) or 0)
    return counts


def sums(url: str) -> list[Any]:
    with engine_on(url) as engine, engine.connect() as conn:
        return table_sums(conn)


def populated(url: str) -> None:
    """A store with some of everything: keys (one revoked), models of both types (renamed,
    archived, deleted), the audit log of it all."""
    with harness(url) as app:
        key = app.key("write")
        reader = app.call("POST", "/v1/api_keys", json={"workspace": "default", "scope": "read"})
        app.call("DELETE", f"/v1/api_keys/{reader.json()['id']}")
        kept = app.register(key, suffix="kept", description="Answers tickets.")
        app.register(
            key,
            model_type="classifier",
            classifier_targets=[
                {"name": "mood", "labels": ["happy", "sad"], "weight": 0.5},
                {"name": "topic", "labels": ["billing"], "loss_function": "multi_class"},
            ],
        )
        gone = app.register(key, root="codestral-latest")
        app.call("PATCH", f"/v1/fine_tuning/models/{kept['id']}", key, json={"name": "Kept"})
        app.call("POST", f"/v1/fine_tuning/models/{kept['id']}/archive", key)
        app.call("DELETE", f"/v1/models/{gone['id']}", key)


# --- backup while the server writes ---------------------------------------------------------------


class Renamer(threading.Thread):
    """PATCHes the models' names through HTTP, round robin, until stopped."""

    def __init__(self, server: LiveServer, key: str, model_ids: list[str]) -> None:
        super().__init__(daemon=True)
        self.server, self.key, self.model_ids = server, key, model_ids
        self.done = 0
        self.stop = threading.Event()
        self.failures: list[str] = []

    def run(self) -> None:
        with self.server.client(self.key) as http:
            while not self.stop.is_set() and self.done < 5_000:
                model_id = self.model_ids[self.done % len(self.model_ids)]
                response = http.patch(
                    f"/v1/fine_tuning/models/{model_id}", json={"name": f"name-{self.done}"}
                )
                if response.status_code != 200:
                    self.failures.append(response.text)
                    return
                self.done += 1

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.done < count and not self.failures and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.done >= count, self.failures


def test_a_backup_taken_while_writes_stream_restores_the_audit_sequence_it_saw(
    database_url: str, tmp_path: Path
):
    with run_server(database_url, tmp_path) as server:
        key = server.new_workspace_key()
        model_ids = [server.register(key, suffix=f"m{index}")["id"] for index in range(4)]
        renamer = Renamer(server, key, model_ids)
        renamer.start()
        try:
            renamer.wait_for(30)
            before = renamer.done
            modelyard(database_url, "db", "backup", str(tmp_path / "backup.db"))  # a real process
            renamer.wait_for(renamer.done + 30)  # writes went on during and after the backup
        finally:
            renamer.stop.set()
            renamer.join(timeout=30)
        assert not renamer.failures
    with engine_on(database_url) as engine, engine.connect() as conn:
        source = [tuple(row) for row in conn.execute(sa.select(audit_events).order_by("id"))]

    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    assert on_store(restored_url, "db", "restore", str(tmp_path / "backup.db")).exit_code == 0
    with engine_on(restored_url) as engine, engine.connect() as conn:
        events = [tuple(row) for row in conn.execute(sa.select(audit_events).order_by("id"))]
        models = conn.execute(sa.select(fine_tuned_models)).mappings().all()
        updates = conn.execute(
            sa.select(audit_events.c.model_id, audit_events.c.after)
            .where(audit_events.c.action == "model.updated")
            .order_by(audit_events.c.id)
        ).all()

    # A prefix of the source's log, without a gap: exactly the events committed when it was taken.
    assert [event[0] for event in events] == list(range(1, len(events) + 1))
    assert events == source[: len(events)]
    assert 4 + before <= sum(event[4] == "model.updated" for event in source)
    assert len(events) < len(source)
    # Every model as its own events left it: one version per change, the last name it was given.
    for model in models:
        own = [after for model_id, after in updates if model_id == model["id"]]
        assert model["version"] == 1 + len(own)
        if own:
            assert model["name"] == own[-1]["name"]


# --- copy between dialects ------------------------------------------------------------------------


def test_a_copy_round_trips_sqlite_postgres_sqlite_keeping_every_table(tmp_path: Path):
    first = f"sqlite:///{tmp_path / 'first.db'}"
    last = f"sqlite:///{tmp_path / 'last.db'}"
    populated(first)
    with engine_on(first) as engine, engine.begin() as conn:
        # SQLAlchemy writes None as JSON null; give one row an SQL NULL, which must stay one.
        conn.execute(
            sa.text(
                "UPDATE fine_tuned_models SET classifier_targets = NULL WHERE id = "
                "(SELECT MIN(id) FROM fine_tuned_models WHERE model_type = 'completion')"
            )
        )
    with fresh_database("postgres", tmp_path) as middle:
        there = json_of(on_store(first, "db", "copy", "--to", middle, "--json"))
        back = json_of(on_store(middle, "db", "copy", "--to", last, "--json"))
        assert there["tables"] == back["tables"]
        assert [table["name"] for table in there["tables"]] == [
            table.name for table in metadata.sorted_tables
        ]
        assert every_table(first) == every_table(middle) == every_table(last)
        assert sql_nulls(first) == sql_nulls(middle) == sql_nulls(last)
        assert sql_nulls(first)["fine_tuned_models.classifier_targets"] == 1
        # The audit log's sequence goes on after the copied ids on PostgreSQL.
        largest = max(row[0] for row in every_table(middle)["audit_events"])
        assert on_store(middle, "workspaces", "create", "after-the-copy").exit_code == 0
        with engine_on(middle) as engine, engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.max(audit_events.c.id))) == largest + 1


def test_copy_for_people_prints_the_rows_of_each_table(tmp_path: Path):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populated(source)
    result = on_store(source, "db", "copy", "--to", f"sqlite:///{tmp_path / 'target.db'}")
    assert result.exit_code == 0, result.output
    first, header, *rows = result.stdout.splitlines()
    assert first.startswith(f"Copied {source} to sqlite:///")
    assert "each verified (row count and sha256)" in first
    assert header.split() == ["TABLE", "ROWS", "SHA256"]
    assert [row.split()[0] for row in rows] == [table.name for table in metadata.sorted_tables]


def test_a_non_empty_target_is_refused_and_left_unchanged(database_url: str, tmp_path: Path):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populated(source)
    assert on_store(database_url, "init").exit_code == 0
    assert on_store(database_url, "workspaces", "create", "team-a").exit_code == 0
    before = sums(database_url)
    line = failure(on_store(source, "db", "copy", "--to", database_url))
    assert "the target store is not empty (" in line
    assert "workspaces: 2 rows" in line
    assert on_store(source, "db", "backup", str(tmp_path / "backup.db")).exit_code == 0
    line = failure(on_store(database_url, "db", "restore", str(tmp_path / "backup.db")))
    assert "the target store is not empty" in line
    assert sums(database_url) == before


def test_restore_into_a_new_store_of_either_dialect_verifies_every_table(
    database_url: str, tmp_path: Path
):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populated(source)
    backup = tmp_path / "backup.db"
    made = json_of(on_store(source, "db", "backup", str(backup), "--json"))
    assert made["method"] == "the SQLite backup API"
    restored = json_of(on_store(database_url, "db", "restore", str(backup), "--json"))
    assert restored["tables"] == made["tables"]
    assert every_table(database_url) == every_table(source)
    # A restored store serves, with the source's keys.
    with run_server(database_url, tmp_path) as server, server.client(ADMIN_KEY) as http:
        assert http.get("/v1/me").json()["scope"] == "admin"
        assert len(http.get("/v1/audit/events").json()["data"]) == len(
            every_table(source)["audit_events"]
        )


def test_a_postgres_backup_is_a_sqlite_file_from_one_snapshot(tmp_path: Path):
    with fresh_database("postgres", tmp_path) as url:
        populated(url)
        backup = tmp_path / "backup.db"
        made = json_of(on_store(url, "db", "backup", str(backup), "--json"))
        assert made["method"] == "a REPEATABLE READ snapshot"
        assert every_table(f"sqlite:///{backup}") == every_table(url)


def test_a_backup_never_overwrites_a_file(tmp_path: Path):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populated(source)
    existing = tmp_path / "existing.db"
    existing.write_text("keep me")
    line = failure(on_store(source, "db", "backup", str(existing)))
    assert line == f"Error: {existing} already exists: a backup never overwrites a file"
    assert existing.read_text() == "keep me"
    nowhere = tmp_path / "no-such-folder" / "backup.db"
    assert failure(on_store(source, "db", "backup", str(nowhere))) == (
        f"Error: {nowhere.parent} is not a directory: create it first"
    )


def test_restoring_what_is_not_a_backup_is_one_line(tmp_path: Path):
    target = f"sqlite:///{tmp_path / 'target.db'}"
    missing = failure(on_store(target, "db", "restore", str(tmp_path / "nope.db")))
    assert missing == f"Error: no backup file at {tmp_path / 'nope.db'}"
    assert not (tmp_path / "target.db").exists()
    text = tmp_path / "notes.txt"
    text.write_text("not a database, at all. " * 100)
    assert "is not a Modelyard backup" in failure(on_store(target, "db", "restore", str(text)))
