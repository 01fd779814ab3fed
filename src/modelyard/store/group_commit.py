"""Group commit: one writer thread runs the writes of concurrent requests in shared transactions.

Why: a write per pool thread paid, per request, a transaction (BEGIN IMMEDIATE, the revision
bump, COMMIT) and a handful of GIL hand-offs with the busy event loop: each SQL statement
releases the GIL and waits for it again (a convoy, profiled with py-spy: ~3 ms per PATCH under
32 connections for ~0.5 ms of work). Here the writer takes every write waiting in its queue, runs
each in its own SAVEPOINT of one transaction and commits once; each caller's future is settled
after that COMMIT, so nobody hears "done" before the write is durable.

A write that raises (a 404, a 412, a constraint) rolls back to its savepoint only: the others in
the batch are unaffected. A COMMIT that fails fails every write of the batch, and none of them
is kept. A write that waited longer than `max_wait` (another process held the store's write lock)
is failed with `StoreBusy` before it runs, so its caller hears a 503 in bounded time and the
write never happens after that answer.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import StoreBusy

if TYPE_CHECKING:
    from .dialect import Dialect
    from .engine import Tx

T = TypeVar("T")

# Writes per transaction at most: bounds how long a batch holds the write lock (and so the wait
# of a write queued behind it), while the hand-offs and the COMMIT are paid once per batch.
MAX_BATCH = 64

_SAVEPOINT = "SAVEPOINT modelyard_write"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT modelyard_write"
_RELEASE = "RELEASE SAVEPOINT modelyard_write"


@dataclass(slots=True)
class _Job:
    work: Callable[[Tx], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    queued: float  # time.monotonic() when it was queued
    reads: tuple[str, ...]  # the fine-tuned models it will read, by id


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():  # the caller went away (a client that disconnected): nothing to tell
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


def _settle_all(settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for future, value, error in settled:
        _settle(future, value, error)


class GroupCommit:
    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[Tx]],
        dialect: Dialect,
        max_wait: float = 5.0,
    ) -> None:
        self._transaction = transaction
        self._dialect = dialect
        self.max_wait = max_wait
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    async def run(self, work: Callable[[Tx], T], reads: tuple[str, ...] = ()) -> T:
        """Run `work(tx)` in a write transaction shared with other writes; its result once the
        transaction has committed, or the exception it raised. `reads`: the fine-tuned models
        it will read, by id; the batch reads them all in one statement first."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            self._start_thread()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(work, loop, future, time.monotonic(), reads))
        return await future

    def close(self) -> None:
        """Finish the queued writes, then stop the writer thread."""
        with self._start:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _start_thread(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():  # first use, or it died
                self._thread = threading.Thread(
                    target=self._serve, name="modelyard-writer", daemon=True
                )
                self._thread.start()

    def _serve(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            while len(batch) < MAX_BATCH:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(job)
            self._commit(batch)

    def _commit(self, batch: list[_Job]) -> None:
        oldest = time.monotonic() - self.max_wait
        late = [job for job in batch if job.queued < oldest]
        if late:
            busy = StoreBusy(f"The store's write lock was not free within {self.max_wait:g} s.")
            _settle_jobs(late, [(None, busy)] * len(late))
            batch = [job for job in batch if job.queued >= oldest]
            if not batch:
                return
        dialect = self._dialect
        try:
            try:
                outcomes = self._run(batch, pipelined=dialect.pipelined)
            except _RunAgain:
                # A driver error in a pipelined batch may surface at a later change's statement:
                # the batch was rolled back; run it again a change at a time, to learn whose.
                outcomes = self._run(batch, pipelined=False)
        except Exception as error:  # the COMMIT (or BEGIN) failed: no write of the batch is kept
            outcomes = [(None, dialect.translate(error))] * len(batch)
        _settle_jobs(batch, outcomes)

    def _run(self, batch: list[_Job], *, pipelined: bool) -> list[_Outcome]:
        dialect = self._dialect
        outcomes: list[_Outcome] = []
        try:
            with self._transaction() as tx:
                # Plain SAVEPOINT statements rather than `begin_nested()`, whose bookkeeping cost
                # a third of a PATCH's write (on the driver, see the dialects).
                run = dialect.execute_plain(tx.conn)
                # One statement for the models the batch's changes read, not one per change (a
                # round trip each on PostgreSQL, where the rest of a change is pipelined).
                tx.models.read_ahead(model for job in batch for model in job.reads)
                with dialect.batch(tx.conn) if pipelined else nullcontext():
                    for job in batch:
                        run(_SAVEPOINT)
                        try:
                            value = job.work(tx)
                        except Exception as error:
                            if pipelined and dialect.is_driver_error(error):
                                raise _RunAgain from error
                            run(_ROLLBACK_TO)
                            tx.models.forget()  # what it changed is undone: read them again
                            outcomes.append((None, dialect.translate(error)))
                        else:
                            run(_RELEASE)
                            outcomes.append((value, None))
        except Exception as error:
            if pipelined and not isinstance(error, _RunAgain) and dialect.is_driver_error(error):
                raise _RunAgain from error
            raise
        return outcomes


_Outcome = tuple[Any, BaseException | None]


class _RunAgain(Exception):
    """A pipelined batch met a driver error: run it again without pipelining."""


def _settle_jobs(batch: list[_Job], outcomes: list[_Outcome]) -> None:
    """Tell each job's caller its outcome: one wake-up per event loop, not one per write."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, Any]]] = {}
    for job, (value, failure) in zip(batch, outcomes, strict=True):
        by_loop.setdefault(job.loop, []).append((job.future, value, failure))
    for loop, settled in by_loop.items():
        with suppress(RuntimeError):  # that event loop is closed: its callers are gone
            loop.call_soon_threadsafe(_settle_all, settled)
