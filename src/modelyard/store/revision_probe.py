"""The per-request freshness check, without a round trip per request on PostgreSQL.

Every request needs the store's versions as of some moment after it arrived (a write
acknowledged before it arrived must be seen). On SQLite a request reads them from the database
only when a write was announced since the last read (change_signal.py). On PostgreSQL it is a
network round trip, so concurrent requests share one: a request joins the probe that will be
*sent next* — never one already in flight, which was sent before it arrived — so one round trip
serves every request that came in meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from .change_signal import SignalledProbe, Versions
from .engine import REVISIONS_SQL, Store


def revision_probe(store: Store) -> Callable[[], Awaitable[Versions]]:
    if store.dialect == "postgresql":
        return CoalescingProbe(store)
    read = store.probe_revisions
    if store.change_signal is not None:
        read = SignalledProbe(store.change_signal, store.probe_revisions)

    async def probe() -> Versions:
        return read()

    return probe


class CoalescingProbe:
    def __init__(self, store: Store) -> None:
        self.store = store
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
                self._connection = await self.store.async_raw_connection()
            cursor = await self._connection.execute(REVISIONS_SQL)
            (store,), (tenancy,) = await cursor.fetchall()
        except Exception:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()
            raise
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
