"""PostgreSQL: the scale-out store, shared by any number of server processes and machines.

What differs from the portable way (dialect.py): a connection pool sized for a server, an
advisory lock for start-up work, and the freshness probe: a network round trip, so concurrent
requests share one (`CoalescingProbe`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .dialect import REVISIONS_SQL, Dialect, Probe, Versions
from .errors import StoreBusy, StoreUnavailable
from .tables import dump_json

_STARTUP_LOCK = 74251931  # any constant: the advisory lock's key


class PostgreSQL(Dialect):
    name = "postgresql"

    def create_engine(self) -> Engine:
        # A writer waits at most `timeout` for a row lock (another replica's long write, or
        # someone's open transaction), then LockNotAvailable: StoreBusy, a 503.
        options = f"-c lock_timeout={int(self.timeout * 1000)}"
        return sa.create_engine(
            self.url,
            pool_size=10,
            max_overflow=20,
            pool_recycle=1800,
            json_serializer=dump_json,
            json_deserializer=orjson.loads,
            connect_args={"options": options},
        )

    def translate(self, error: Exception) -> Exception:
        import psycopg.errors

        cause = getattr(error, "orig", error)
        if isinstance(cause, psycopg.errors.LockNotAvailable):
            return StoreBusy(f"Another writer held the store past {self.timeout:g} s.")
        if isinstance(cause, psycopg.errors.DiskFull | psycopg.errors.ReadOnlySqlTransaction):
            return StoreUnavailable(f"The store refuses writes: {cause}.")
        if isinstance(cause, psycopg.OperationalError):
            return StoreUnavailable(f"The store is not reachable: {cause}.")
        return error

    def probe(self) -> Probe:
        return CoalescingProbe(self)

    async def async_raw_connection(self) -> Any:
        """An autocommit psycopg AsyncConnection, outside the pool (for the probe)."""
        import psycopg

        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        return await psycopg.AsyncConnection.connect(*cargs, **cparams, autocommit=True)

    @staticmethod
    @contextmanager
    def startup_lock(engine: Engine) -> Iterator[None]:
        with engine.connect() as conn:
            conn.execute(sa.text(f"SELECT pg_advisory_lock({_STARTUP_LOCK})"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text(f"SELECT pg_advisory_unlock({_STARTUP_LOCK})"))
                conn.commit()


class CoalescingProbe:
    """The versions in one round trip shared by concurrent requests.

    Every request needs the store's versions as of some moment after it arrived (a write
    acknowledged before it arrived must be seen). A request joins the probe that will be *sent
    next*, never one already in flight (sent before it arrived), so one round trip serves every
    request that came in meanwhile.
    """

    def __init__(self, source: PostgreSQL) -> None:
        self.source = source
        self._connection: Any = None
        self._in_flight: asyncio.Future[Versions] | None = None
        self._next: asyncio.Future[Versions] | None = None

    async def __call__(self) -> Versions:
        if self._in_flight is None:
            self._in_flight = self._start()
            return await asyncio.shield(self._in_flight)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._next)

    def _start(self) -> asyncio.Future[Versions]:
        task = asyncio.ensure_future(self._query())
        task.add_done_callback(self._finished)
        return task

    def _finished(self, done: asyncio.Future[Versions]) -> None:
        waiting, self._next = self._next, None
        if waiting is None:
            self._in_flight = None
            return
        self._in_flight = following = self._start()
        following.add_done_callback(lambda probe: _copy(probe, waiting))

    async def _query(self) -> Versions:
        try:
            if self._connection is None:
                self._connection = await self.source.async_raw_connection()
            cursor = await self._connection.execute(REVISIONS_SQL)
            (store,), (tenancy,) = await cursor.fetchall()
        except Exception as error:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()
            raise StoreUnavailable(f"The store is not reachable: {error}.") from error
        return int(store), int(tenancy)

    async def aclose(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


def _copy(source: asyncio.Future[Versions], target: asyncio.Future[Versions]) -> None:
    if target.done():
        return
    if source.cancelled():
        target.cancel()
    elif (error := source.exception()) is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())
