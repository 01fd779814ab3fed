"""What differs between SQLite and PostgreSQL, chosen once, when the store is built.

In the spirit of Prefect's per-dialect query components: `Dialect` holds the portable way of
doing each thing (SQLAlchemy Core), and `sqlite.SQLite` and `postgresql.PostgreSQL` override what
their database does differently: the engine's set-up, the write lock across processes, the
per-request freshness probe, the start-up lock, and the repositories whose statements sit on the
write path. Nothing outside these three modules asks which database it is talking to.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, ClassVar, Protocol

from sqlalchemy.engine import URL, Connection, Engine, make_url

from .alias_repository import AliasRepository
from .audit_repository import AuditRepository
from .catalog_repository import CatalogRepository
from .console_session_repository import ConsoleSessionRepository
from .fine_tuned_repository import FineTunedRepository
from .tenancy_repository import TenancyRepository
from .webhook_repository import WebhookRepository

Versions = tuple[int, int]  # the store revision and the tenancy version (see tables.py)


class Probe(Protocol):
    """The per-request freshness check: the versions as of some moment after the call."""

    def __call__(self) -> Awaitable[Versions]: ...

    async def aclose(self) -> None: ...


# The execution option of a write transaction's connection (SQLite begins it IMMEDIATE).
WRITE = "modelyard_write"
REVISIONS_SQL = "SELECT value FROM store_revision WHERE id IN (1, 3) ORDER BY id"


class Dialect:
    name: ClassVar[str]
    fine_tuned: ClassVar[type[FineTunedRepository]] = FineTunedRepository
    audit: ClassVar[type[AuditRepository]] = AuditRepository
    aliases: ClassVar[type[AliasRepository]] = AliasRepository
    tenancy: ClassVar[type[TenancyRepository]] = TenancyRepository
    catalog: ClassVar[type[CatalogRepository]] = CatalogRepository
    console_sessions: ClassVar[type[ConsoleSessionRepository]] = ConsoleSessionRepository
    webhooks: ClassVar[type[WebhookRepository]] = WebhookRepository

    def __init__(self, url: URL, timeout: float = 5.0) -> None:
        self.url = url
        # How long a writer waits for the store's write lock before StoreBusy (a 503).
        self.timeout = timeout
        self.engine = self.create_engine()
        # One writer at a time per process; other processes queue in `cross_process_lock`.
        self._write_lock = threading.Lock()

    def create_engine(self) -> Engine:
        raise NotImplementedError

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Held around every write transaction, before BEGIN."""
        with self._write_lock, self.cross_process_lock():
            yield

    def cross_process_lock(self) -> AbstractContextManager[None]:
        """Writers of other processes on the same store wait here (none by default: the
        revision row's lock, taken first in every write, serializes them)."""
        return _nothing()

    def committed(self, conn: Connection) -> None:
        """A write transaction committed on `conn`, the writers' lock still held (before its
        writes are acknowledged)."""

    def probe(self) -> Probe:
        """The per-request freshness check: the versions as of some moment after the call."""
        raise NotImplementedError

    @staticmethod
    def startup_lock(engine: Engine) -> AbstractContextManager[None]:
        """Serializes start-up work (migrations, catalog sync, first key) across processes."""
        raise NotImplementedError

    def translate(self, error: Exception) -> Exception:
        """The store error a driver error means (a lock not free in time, a full disk), or the
        error itself."""
        return error

    # A batch of the group commit may run with its statements pipelined (`batch`): a driver
    # error then surfaces at a later statement, so the batch is run again without it.
    pipelined: ClassVar[bool] = False

    def batch(self, conn: Connection) -> AbstractContextManager[None]:
        """Around the changes of one group-commit batch (PostgreSQL: pipeline mode)."""
        return _nothing()

    def is_driver_error(self, error: BaseException) -> bool:
        """An error of the database driver, as opposed to a rule's (a 404, a 412)."""
        return False

    def execute_plain(self, conn: Connection) -> Callable[[str], Any]:
        """Runs a statement without SQLAlchemy's bookkeeping (the group commit's savepoints)."""
        return conn.exec_driver_sql

    def dispose(self) -> None:
        self.engine.dispose()

    # Moving a store (transfer.py), on any engine of this dialect.

    # The execution options of a read transaction that sees one consistent state of the store.
    snapshot_options: ClassVar[dict[str, Any]] = {}
    snapshot_name: ClassVar[str] = "one read transaction"

    @staticmethod
    def native_backup(engine: Engine, path: Path) -> str | None:
        """Copy the store into the new SQLite file `path` by the database's own means and say
        how, or None: then the backup is a copy of every table."""
        return None

    @staticmethod
    def after_copy(conn: Connection) -> None:
        """What a store needs after rows were copied into it with their ids."""


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def normalize_url(url: str) -> URL:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class UnsupportedDatabase(ValueError):
    """A database URL this store cannot use."""


def dialect_for(url: str, timeout: float = 5.0) -> Dialect:
    parsed = normalize_url(url)
    return dialect_class(parsed)(parsed, timeout)


def dialect_class(url: URL) -> type[Dialect]:
    """The one place that maps a database to its dialect."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        from .sqlite import SQLite

        return SQLite
    if backend == "postgresql":
        from .postgresql import PostgreSQL

        return PostgreSQL
    raise UnsupportedDatabase(
        f"'{backend}' databases are not supported: use sqlite:///PATH or postgresql://..."
    )
