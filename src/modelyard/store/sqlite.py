"""SQLite: the embedded default. One file in WAL mode, shared by every process on this machine.

What differs from the portable way (dialect.py):
- each connection's PRAGMAs, and write transactions that take the write lock at BEGIN;
- writers of several processes take turns on two kernel locks on the file beside the database
  (a turnstile, then `flock`), instead of polling in SQLite's busy handler;
- freshness comes from a word of shared memory in that same file (change_signal.py), so a
  request reads the database only after some process announced a write;
- the write path's three statements go to the driver (sqlite_driver.py).
"""

from __future__ import annotations

import errno
import fcntl
import functools
import hashlib
import os
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import records, sqlite_driver
from .audit_repository import AuditRepository
from .change_signal import ChangeSignal, SignalledProbe
from .codec import TableCodec, driver_statement
from .dialect import REVISIONS_SQL, WRITE, Dialect, Probe, Versions
from .errors import StoreBusy, StoreUnavailable
from .fine_tuned_repository import FineTunedRepository
from .tables import audit_events, dump_json, fine_tuned_models

_MODELS = TableCodec(fine_tuned_models)
_EVENTS = TableCodec(audit_events)


class SQLiteFineTunedRepository(FineTunedRepository):
    """A model's reads and the write path's update, on the driver (see sqlite_driver.py)."""

    def _rows(self, query: sa.Select[Any], values: dict[str, Any]) -> Sequence[Sequence[Any]]:
        cursor = _on_driver(self.conn, query, values)
        if cursor is None:
            return super()._rows(query, values)
        return [_MODELS.decode_row(row) for row in cursor]

    def _update(self, model: records.FineTunedModel, values: dict[str, Any], version: int) -> None:
        statement, params = _MODELS.versioned_update(model.id, model.version, values, version)
        sqlite_driver.execute(sqlite_driver.driver(self.conn), statement, params)


class SQLiteAuditRepository(AuditRepository):
    def append(self, **values: Any) -> None:
        raw = sqlite_driver.driver(self.conn)
        sqlite_driver.execute(raw, *_EVENTS.insert(values))


def _on_driver(conn: Connection, statement: sa.Executable, values: dict[str, Any]) -> Any:
    """`statement` run on the driver inside `conn`'s transaction (its cursor), or None when its
    text depends on the values (codec.driver_statement)."""
    compiled = driver_statement(statement, conn.dialect)
    if compiled is None:
        return None
    raw = sqlite_driver.driver(conn)
    return sqlite_driver.execute(raw, compiled.sql, compiled.params(values))


class SQLite(Dialect):
    name = "sqlite"
    fine_tuned = SQLiteFineTunedRepository
    audit = SQLiteAuditRepository

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        database = self.url.database
        self.path = Path(database) if database and database != ":memory:" else None
        # The file beside the database: its first 8 bytes are the change word, and its lock is
        # the writers' queue across processes.
        self.signal = ChangeSignal(self.path) if self.path else None
        self._lock_fd = os.open(self.signal.path, os.O_RDWR) if self.signal else None
        self._probes = threading.local()
        self._probe_connections: list[Any] = []
        self._signalled = SignalledProbe(self.signal, self._read_versions) if self.signal else None

    def create_engine(self) -> Engine:
        if self.url.database and self.url.database != ":memory:":
            path = Path(self.url.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            # Readable by its owner only: the file holds the audit log and the key hashes.
            # SQLite gives its -wal and -shm files the mode of the database file.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        # The server's threads share the pool; each connection is used by one thread at a time.
        engine = sa.create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": self.timeout},
            json_serializer=dump_json,
            json_deserializer=orjson.loads,
        )
        sa.event.listen(engine, "connect", functools.partial(_on_connect, self.timeout))
        sa.event.listen(engine, "begin", _on_begin)
        return engine

    @contextmanager
    def cross_process_lock(self) -> Iterator[None]:
        if self._lock_fd is None:
            yield
            return
        _lock(self._lock_fd, self.timeout)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def translate(self, error: Exception) -> Exception:
        message = str(getattr(error, "orig", None) or error)
        if "database is locked" in message or "database table is locked" in message:
            return StoreBusy(f"Another writer held the store past {self.timeout:g} s.")
        if any(cause in message for cause in _UNWRITABLE):
            return StoreUnavailable(f"The store refuses writes: {message}.")
        return error

    def committed(self, conn: Connection) -> None:
        if self._signalled is None:
            return
        # Still holding the writers' lock, the versions just committed are the latest: read on
        # the writer's own connection (autocommit now), this process's requests need not read
        # them (change_signal.py). Only a saving: if the read fails, they read them themselves.
        versions = None
        with suppress(sqlite3.Error):
            versions = _versions(sqlite_driver.driver(conn))
        self._signalled.announce(versions)  # before the write is acknowledged

    def probe(self) -> Probe:
        if self._signalled is None:
            return _LocalProbe(self._read_versions)
        return _LocalProbe(self._signalled)

    def _read_versions(self) -> Versions:
        """The versions, on a dedicated autocommit connection per thread (no pool, no
        SQLAlchemy: this runs per request when a write was announced)."""
        connection = getattr(self._probes, "connection", None)
        try:
            if connection is None:
                cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
                connection = self.engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
                connection.isolation_level = None  # autocommit: each SELECT sees the latest commit
                self._probes.connection = connection
                self._probe_connections.append(connection)
            return _versions(connection)
        except Exception:
            self._probes.connection = None
            raise

    @staticmethod
    @contextmanager
    def startup_lock(engine: Engine) -> Iterator[None]:
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        digest = hashlib.sha256(os.path.abspath(database).encode()).hexdigest()[:16]
        lock_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"modelyard-{digest}.lock"
        with os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600), "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def execute_plain(self, conn: Connection) -> Callable[[str], Any]:
        return sqlite_driver.driver(conn).execute

    @staticmethod
    def native_backup(engine: Engine, path: Path) -> str | None:
        with engine.connect() as conn:
            page_copy(cast(sqlite3.Connection, conn.connection.driver_connection), path)
        return "the SQLite backup API"

    def dispose(self) -> None:
        for connection in self._probe_connections:
            with suppress(Exception):
                connection.close()
        self._probe_connections.clear()
        self._probes = threading.local()
        if self.signal is not None:
            self.signal.close()
            self.signal = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        super().dispose()


def _versions(connection: sqlite3.Connection) -> Versions:
    (store,), (tenancy,) = connection.execute(REVISIONS_SQL).fetchall()
    return int(store), int(tenancy)


class _LocalProbe:
    """A probe that needs no I/O wait: a memory load, and a local read after a write."""

    def __init__(self, read: Callable[[], Versions]) -> None:
        self._read = read

    async def __call__(self) -> Versions:
        return self._read()

    async def aclose(self) -> None:
        pass


# SQLite's own words for a database that cannot take writes.
_UNWRITABLE = ("database or disk is full", "disk I/O error", "readonly database", "unable to open")


def _lock(fd: int, timeout: float) -> None:
    """Take the writers' lock, or raise StoreBusy after `timeout` seconds.

    Two locks on the file beside the database: a turnstile (a byte-range lock of the open file
    description) and the writers' lock itself (`flock`). A writer takes the turnstile, then the
    writers' lock, then lets the turnstile go; so the next writer in line holds the turnstile while
    it waits, and a process that just released the writers' lock cannot take it straight back
    (with its next batch already queued it always won the race: two workers' PATCH p99 was
    4x one worker's). The waits are polled, from 50 µs doubling to 2 ms: a blocking lock has no
    timeout, and SQLite's busy handler sleeps up to 100 ms between tries.
    """
    deadline = time.monotonic() + timeout
    _poll(functools.partial(_turnstile, fd, fcntl.F_WRLCK), deadline, timeout)
    try:
        _poll(functools.partial(fcntl.flock, fd, fcntl.LOCK_EX | fcntl.LOCK_NB), deadline, timeout)
    finally:
        _turnstile(fd, fcntl.F_UNLCK)


def _poll(attempt: Callable[[], object], deadline: float, timeout: float) -> None:
    pause = 0.00005
    while True:
        try:
            attempt()
            return
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"Another writer held the store's write lock for over {timeout:g} s."
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


# One byte past the change signal's word; its lock is independent of the file's flock.
_TURNSTILE_BYTE = 4096


def _turnstile(fd: int, kind: int) -> None:
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for an open file description lock).
    request = struct.pack("hhqqi4x", kind, os.SEEK_SET, _TURNSTILE_BYTE, 1, 0)
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, request)


def page_copy(source: sqlite3.Connection, path: Path) -> None:
    """SQLite's backup API in one step: every page read in one read transaction, so the copy is
    one consistent state, while writers in WAL mode carry on."""
    target = sqlite3.connect(path)
    try:
        source.backup(target, pages=-1)
    finally:
        target.close()


def _on_connect(timeout: float, dbapi_connection: Any, _record: Any) -> None:
    # Let the "begin" event below issue BEGIN, instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer nor each other; several processes share the file.
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a commit survives a crash of the process (SIGKILL); a power loss may
    # lose the last transactions since the last checkpoint, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # SQLite does not enforce foreign keys unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # Wait for a writer outside our lock (another program on the file), then StoreBusy.
    cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    cursor.close()
    # SQLite's lower() folds ASCII only: `q=éclair` must find "Zürich-Éclair" as on PostgreSQL.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _on_begin(conn: Connection) -> None:
    # A write transaction takes the write lock at BEGIN: a deferred one that read first could not
    # upgrade later and would fail with "database is locked" instead of waiting.
    immediate = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
