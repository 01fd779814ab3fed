"""The store and its ways in: a read transaction, a write transaction, and a write shared with the
writes queued beside it (`write_together`, the server's group commit).

Each way in hands out a `Tx`: the transaction's connection and the repositories on it, of the
store's dialect (chosen once, in `dialect.py`). Services take a `Tx` and never open one: the
caller owns the transaction.

Every write transaction bumps the store revision first: that takes the store-wide write lock
(SQLite's `BEGIN IMMEDIATE`, or the revision row's lock on PostgreSQL), so no writer ever works
on a stale read, concurrent writers queue instead of failing, and every replica's caches learn
that something changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from functools import cached_property
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .alias_repository import AliasRepository
from .audit_repository import AuditRepository
from .catalog_repository import CatalogRepository
from .console_session_repository import ConsoleSessionRepository
from .dialect import WRITE, Dialect, Probe, dialect_class, dialect_for, normalize_url
from .errors import StoreError
from .fine_tuned_repository import FineTunedRepository
from .group_commit import GroupCommit
from .tables import STORE_REVISION, store_revision
from .tenancy_repository import TenancyRepository
from .webhook_repository import WebhookRepository

__all__ = ["Store", "Tx", "normalize_url", "startup_lock"]

T = TypeVar("T")
WRITE_PROBE_SECONDS = 5.0

_BUMP_REVISION = (
    sa.update(store_revision)
    .where(store_revision.c.id == STORE_REVISION)
    .values(value=store_revision.c.value + 1)
)


class Tx:
    """One transaction: its connection, and the store's repositories on it."""

    def __init__(
        self,
        conn: Connection,
        dialect: Dialect,
        revision: int | None = None,
    ) -> None:
        self.conn = conn
        self._dialect = dialect
        # An audit event (the outbox) was written; an endpoint or a delivery changed: the webhook
        # dispatcher is woken once the transaction commits.
        self.enqueued = False
        self.webhooks_changed = False
        # The store revision a request saw before this transaction began (its freshness probe),
        # when there is one: what this transaction reads is at least as new.
        self.revision = revision

    @cached_property
    def models(self) -> FineTunedRepository:
        return self._dialect.fine_tuned(self.conn)

    @cached_property
    def aliases(self) -> AliasRepository:
        return self._dialect.aliases(self.conn)

    @cached_property
    def audit(self) -> AuditRepository:
        return self._dialect.audit(self.conn)

    @cached_property
    def tenancy(self) -> TenancyRepository:
        return self._dialect.tenancy(self.conn)

    @cached_property
    def catalog(self) -> CatalogRepository:
        return self._dialect.catalog(self.conn)

    @cached_property
    def console_sessions(self) -> ConsoleSessionRepository:
        return self._dialect.console_sessions(self.conn)

    @cached_property
    def webhooks(self) -> WebhookRepository:
        return self._dialect.webhooks(self.conn)


class Store:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.engine: Engine = dialect.engine
        # Why the last write failed for a store reason (busy, disk full), until one succeeds:
        # `/readyz` answers 503 meanwhile.
        self.write_failure: str | None = None
        self._write_probed = 0.0
        self._group = GroupCommit(self.write, dialect, max_wait=dialect.timeout)
        # Called (on the writing thread) after a COMMIT that wrote an event, or changed an
        # endpoint or a delivery (the argument).
        self._on_enqueued: list[Callable[[bool], None]] = []

    @classmethod
    def from_url(cls, url: str, timeout: float = 5.0) -> Store:
        """The store at this URL; a write waits at most `timeout` seconds for the write lock."""
        return cls(dialect_for(url, timeout))

    @contextmanager
    def read(self, revision: int | None = None) -> Iterator[Tx]:
        """A read transaction; a database that does not answer raises `StoreUnavailable`.
        `revision`: the store revision the caller saw just before (see `Tx.revision`)."""
        try:
            with self.engine.connect() as conn, conn.begin():
                yield Tx(conn, self.dialect, revision)
        except sa.exc.DBAPIError as error:
            translated = self.dialect.translate(error)
            if not isinstance(translated, StoreError):
                raise
            raise translated from error

    @contextmanager
    def write(self, *, revision: bool = True) -> Iterator[Tx]:
        """A write transaction; bumps the store revision first, commits on success. A lock not
        free in time or a database that refuses writes raise a `StoreError`.

        `revision=False` for a write no cached answer shows (when keys were last used): it takes
        the write lock the same way, but no cache is dropped for it."""
        try:
            with self.dialect.write_lock(), self.engine.connect() as conn:
                conn = conn.execution_options(**{WRITE: True})
                with conn.begin():
                    if revision:
                        conn.execute(_BUMP_REVISION)
                    tx = Tx(conn, self.dialect)
                    yield tx
                self.dialect.committed(conn)
                if tx.enqueued or tx.webhooks_changed:
                    for wake in self._on_enqueued:
                        wake(tx.webhooks_changed)
        except StoreError as error:
            self.write_failure = error.message
            raise
        except sa.exc.DBAPIError as error:
            translated = self.dialect.translate(error)
            if not isinstance(translated, StoreError):
                raise
            self.write_failure = translated.message
            raise translated from error
        self.write_failure = None

    async def write_together(self, work: Callable[[Tx], T], reads: tuple[str, ...] = ()) -> T:
        """`work(tx)` in a write transaction shared with the writes queued beside it (group
        commit, see group_commit.py); returns once that transaction has committed. `reads`: the
        fine-tuned models `work` reads, by id, read for the whole batch in one statement."""
        return await self._group.run(work, reads)

    def on_enqueued(self, wake: Callable[[bool], None]) -> Callable[[], None]:
        """Call `wake(webhooks_changed)` after every COMMIT that wrote an audit event, or changed
        a webhook endpoint or delivery; returns the undo."""
        self._on_enqueued.append(wake)

        def undo() -> None:
            if wake in self._on_enqueued:
                self._on_enqueued.remove(wake)

        return undo

    def writable(self) -> bool:
        """False while the last write failed for a store reason; then, at most every few
        seconds, an empty write tries again (so a store that recovered is seen to)."""
        if self.write_failure is None:
            return True
        now = time.monotonic()
        if now - self._write_probed < WRITE_PROBE_SECONDS:
            return False
        self._write_probed = now
        with suppress(Exception), self.write():
            pass
        return self.write_failure is None

    def revision(self) -> int:
        """The store revision: it moves with every committed write, on every replica."""
        with self.read() as tx:
            query = sa.select(store_revision.c.value).where(store_revision.c.id == STORE_REVISION)
            return int(tx.conn.scalar(query) or 0)

    def probe(self) -> Probe:
        return self.dialect.probe()

    def dispose(self) -> None:
        self._group.close()
        self.dialect.dispose()


def startup_lock(engine: Engine) -> AbstractContextManager[None]:
    """Serialize start-up work (migrations, catalog sync, first key) across processes."""
    return dialect_class(engine.url).startup_lock(engine)
