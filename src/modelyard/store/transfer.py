"""Moving a store: a copy between any two stores (SQLite and PostgreSQL, either way), a consistent
backup while the server serves and writes, and a restore.

A copy reads every table of `tables.metadata` (parents first: `metadata.sorted_tables`, so a
table added later is copied without a change here) from one snapshot of the source and writes
the rows as they are (ids, ETag versions, key hashes, audit events and their ids) into a target
migrated to the current schema, in one transaction. It refuses a target that holds anything more
than a fresh migration leaves, and verifies the result: each table's row count and checksum in the
target must equal what was read (checksums.py).

A backup is one SQLite file, whatever the source: SQLite's own backup API copies a SQLite store
page by page; a PostgreSQL store is copied into a new SQLite file from one REPEATABLE READ
snapshot. A restore copies such a file into an empty store, of either dialect.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from . import migrate
from .checksums import SQL_NULL, TableDigest, TableSum, json_columns, read_rows, table_sums
from .dialect import dialect_class
from .engine import startup_lock
from .sqlite import page_copy
from .tables import dump_json, metadata


class TransferError(Exception):
    """A copy, backup or restore that cannot be done; the message says why and what to do."""


def copy_store(source: Engine, target: Engine) -> list[TableSum]:
    """Copy every table from `source` into the empty store `target`; the verified sums."""
    current = migrate.current(source)
    if current not in migrate.heads():
        raise TransferError(
            f"the source store is at schema {current or '(none)'}, not the current one: "
            "run `modelyard db upgrade` on it first"
        )
    with target.connect() as conn, conn.begin():
        _refuse_unless_empty(conn)  # before migrating it: a store in use is left as it was
    with startup_lock(target):
        migrate.upgrade(target)
    with snapshot(source) as reading, target.begin() as writing:
        _refuse_unless_empty(writing)
        for table in reversed(metadata.sorted_tables):
            writing.execute(table.delete())  # what the migration seeded: the source has its own
        copied = [_copy_table(reading, writing, table) for table in metadata.sorted_tables]
        dialect_class(target.url).after_copy(writing)
    with target.connect() as conn, conn.begin():
        found = table_sums(conn)
    for expected, seen in zip(copied, found, strict=True):
        if expected != seen:
            raise TransferError(
                f"verification failed: table {seen.table} holds {seen.rows} rows "
                f"(sha256 {seen.sha256[:12]}) in the target, {expected.rows} "
                f"(sha256 {expected.sha256[:12]}) were copied"
            )
    return copied


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one consistent state of the whole store."""
    with engine.connect() as conn:
        conn = conn.execution_options(**dialect_class(engine.url).snapshot_options)
        with conn.begin():
            yield conn


def backup(source: Engine, path: Path) -> str:
    """Write a consistent copy of the store to the new SQLite file `path`; how it was made."""
    if path.exists():
        raise TransferError(f"{path} already exists: a backup never overwrites a file")
    if not path.parent.is_dir():
        raise TransferError(f"{path.parent.resolve()} is not a directory: create it first")
    if migrate.current(source) is None:
        raise TransferError("the store has no schema yet: there is nothing to back up")
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        kind = dialect_class(source.url)
        method = kind.native_backup(source, partial)
        if method is None:
            with file_engine(partial) as target:
                copy_store(source, target)
            method = kind.snapshot_name
        _self_contained(partial)
        os.link(partial, path)  # not os.replace: a file that appeared meanwhile is kept
    except FileExistsError:
        raise TransferError(f"{path} already exists: a backup never overwrites a file") from None
    finally:
        partial.unlink(missing_ok=True)
    return method


def restore(path: Path, target: Engine) -> list[TableSum]:
    """Copy the backup file `path` into the empty store `target`; the verified sums."""
    if not path.is_file():
        raise TransferError(f"no backup file at {path.resolve()}")
    with tempfile.TemporaryDirectory(prefix="modelyard-restore-") as scratch:
        # A scratch copy, brought to the current schema: the backup file is never changed.
        working = Path(scratch) / "backup.db"
        try:
            reader = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
            try:
                page_copy(reader, working)
            finally:
                reader.close()
        except sqlite3.DatabaseError as error:
            raise TransferError(f"{path} is not a Modelyard backup ({error})") from None
        with file_engine(working) as source:
            schema = migrate.current(source)
            if schema is None:
                raise TransferError(f"{path} is not a Modelyard backup (it has no schema)")
            try:
                migrate.upgrade(source)
            except CommandError:
                raise TransferError(
                    f"{path} is at schema {schema}, which this version of Modelyard does not "
                    "know: restore it with the version that made it, or a newer one"
                ) from None
            return copy_store(source, target)


def backup_sums(path: Path) -> list[TableSum] | None:
    """The sums of a backup file, or None when it is at an older schema than this code's."""
    with file_engine(path) as engine:
        if migrate.current(engine) not in migrate.heads():
            return None
        with engine.connect() as conn, conn.begin():
            return table_sums(conn)


@contextmanager
def file_engine(path: Path) -> Iterator[Engine]:
    """A plain engine on a SQLite file (a backup, not a served store: no WAL, no signal file),
    writing JSON as the store does."""
    engine = sa.create_engine(
        f"sqlite:///{path}", json_serializer=dump_json, json_deserializer=orjson.loads
    )
    try:
        yield engine
    finally:
        engine.dispose()


def _refuse_unless_empty(conn: Connection) -> None:
    """Every table must hold what a fresh migration leaves in it (usually nothing)."""
    present = set(sa.inspect(conn).get_table_names())
    tables = [table for table in metadata.sorted_tables if table.name in present]
    seeded = {each.table: each for each in _seeded_sums()}
    used = [each for each in table_sums(conn, tables) if each != seeded[each.table]]
    if used:
        held = ", ".join(f"{each.table}: {each.rows} row{'s' * (each.rows != 1)}" for each in used)
        raise TransferError(
            f"the target store is not empty ({held}): restore and copy need an empty store; "
            "name a new database, or drop this one first"
        )


@functools.cache
def _seeded_sums() -> tuple[TableSum, ...]:
    """What a fresh migration leaves in each table (the store revision's rows)."""
    with (
        tempfile.TemporaryDirectory(prefix="modelyard-seed-") as scratch,
        file_engine(Path(scratch) / "seed.db") as engine,
    ):
        migrate.upgrade(engine)
        with engine.connect() as conn, conn.begin():
            return tuple(table_sums(conn))


def _copy_table(reading: Connection, writing: Connection, table: sa.Table) -> TableSum:
    # Parameters p0, p1, ...: a parameter may not share its column's name. JSON columns write
    # `None` as SQL NULL and `sa.JSON.NULL` as JSON null, so the two stay apart.
    params = {column.name: f"p{index}" for index, column in enumerate(table.columns)}
    is_json = {column.name for column in json_columns(table)}
    insert = sa.insert(table).values(
        {
            column.name: sa.bindparam(
                params[column.name],
                type_=sa.JSON(none_as_null=True) if column.name in is_json else column.type,
            )
            for column in table.columns
        }
    )
    digest = TableDigest(table)
    for rows in read_rows(reading, table):
        bound = [
            {
                params[name]: _stored(value) if name in is_json else value
                for name, value in row.items()
            }
            for row in rows
        ]
        writing.execute(insert, bound)
        digest.add(rows)
    return digest.result()


def _stored(value: Any) -> Any:
    """A JSON column's value as read (checksums.read_rows) -> as `_copy_table` binds it."""
    if value is SQL_NULL:
        return None
    return sa.JSON.NULL if value is None else value


def _self_contained(path: Path) -> None:
    """One file, no `-wal` beside it to lose: the rollback journal, checkpointed."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
