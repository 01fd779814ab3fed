"""Engine set-up per dialect, and the store's ways in. Besides this module, only the SQLite-only
helpers know the dialect: `change_signal.py` (made here for a SQLite file) and `sqlite_driver.py`
(whose `driver(conn)` the write path's repositories ask).

The write path uses `Store.write()`, which takes the store-wide write lock first (SQLite's
`BEGIN IMMEDIATE`, or the revision row's lock on PostgreSQL), so no writer ever works on a stale
read and concurrent writers queue instead of failing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from .change_signal import ChangeSignal
from .group_commit import GroupCommit
from .tables import STORE_REVISION, dump_json, store_revision

T = TypeVar("T")

_WRITE = "modelyard_write"
REVISIONS_SQL = "SELECT value FROM store_revision WHERE id IN (1, 3) ORDER BY id"
_BUMP_REVISION = (
    sa.update(store_revision)
    .where(store_revision.c.id == STORE_REVISION)
    .values(value=store_revision.c.value + 1)
)


def normalize_url(url: str) -> URL:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


# JSON columns (capabilities, cards in the audit log) through orjson: the list decodes one per row.
_JSON = {"json_serializer": dump_json, "json_deserializer": orjson.loads}


def create_engine(url: str) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return sa.create_engine(parsed, pool_size=10, max_overflow=20, pool_recycle=1800, **_JSON)


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # The server's threads share the pool; each connection is used by one thread at a time.
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, **_JSON
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer nor each other; several processes share the file.
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a crash of the process (SIGKILL); a power loss
        # may lose the last transactions since the last checkpoint, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite does not enforce foreign keys unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # Wait for another writer (another worker or replica on the same file) instead of failing.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction takes the write lock at BEGIN: a deferred one that read first could
        # not upgrade later and would fail with "database is locked" instead of waiting.
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """The engine plus the ways in: a read transaction, a write transaction, and a write shared
    with other concurrent writes (`write_together`, for the server's event loop)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._probes = threading.local()
        self._probe_connections: list[Any] = []  # every thread's, to close them all on dispose
        # One writer at a time per process: SQLite's busy handler sleeps (up to 100 ms) between
        # retries, so threads queue here instead; other processes still wait in busy_timeout.
        self._write_lock = threading.Lock()
        self._group = GroupCommit(self.write)
        self.change_signal = _change_signal(engine)

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(create_engine(url))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; bumps the store revision first, commits on success."""
        with self._write_lock, self.engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                conn.execute(_BUMP_REVISION)
                yield conn
            if self.change_signal is not None:  # committed: tell the other processes
                self.change_signal.announce()

    async def write_together(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)` in a write transaction shared with the writes queued beside it (group
        commit, see group_commit.py); returns once that transaction has committed."""
        return await self._group.run(work)

    def revision(self) -> int:
        with self.read() as conn:
            return current_revision(conn)

    def probe_revisions(self) -> tuple[int, int]:
        """The store revision and the tenancy version, on a dedicated autocommit connection per
        thread: the caches' per-request freshness check, so it skips the pool and SQLAlchemy."""
        connection = getattr(self._probes, "connection", None)
        try:
            if connection is None:
                connection = self._probes.connection = self._raw_connection()
                self._probe_connections.append(connection)
            cursor = connection.cursor()
            cursor.execute(REVISIONS_SQL)
            (store,), (tenancy,) = cursor.fetchall()
            cursor.close()
        except Exception:
            # A broken connection (a restarted server): drop it; the next call reconnects.
            self._probes.connection = None
            if connection is not None:
                with suppress(Exception):
                    connection.close()
            raise
        return int(store), int(tenancy)

    async def async_raw_connection(self) -> Any:
        """An autocommit psycopg AsyncConnection (PostgreSQL only): see revision_probe.py."""
        import psycopg

        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        return await psycopg.AsyncConnection.connect(*cargs, **cparams, autocommit=True)

    def _raw_connection(self) -> Any:
        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        connection = self.engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
        if self.dialect == "sqlite":
            connection.isolation_level = None  # autocommit: each SELECT sees the latest commit
        else:
            connection.autocommit = True
        return connection

    def dispose(self) -> None:
        self._group.close()
        if self.change_signal is not None:
            self.change_signal.close()
            self.change_signal = None
        for connection in self._probe_connections:
            with suppress(Exception):
                connection.close()
        self._probe_connections.clear()
        self._probes = threading.local()
        self.engine.dispose()


def _change_signal(engine: Engine) -> ChangeSignal | None:
    """SQLite on a file: the shared word its processes watch (see change_signal.py)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return ChangeSignal(Path(database))


def current_revision(conn: Connection) -> int:
    """The store revision: it moves with every committed write, on every replica."""
    query = sa.select(store_revision.c.value).where(store_revision.c.id == STORE_REVISION)
    return int(conn.scalar(query) or 0)


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialize start-up work (migrations, catalog sync, first key) across processes."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(74251931)"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(74251931)"))
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    digest = hashlib.sha256(os.path.abspath(database).encode()).hexdigest()[:16]
    lock_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"modelyard-{digest}.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
