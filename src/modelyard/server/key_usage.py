"""When each key was last used (`last_used_at`), kept cheaply: a request only notes its key in
memory; the notes are written in one transaction a minute, off the request path, so a key costs
at most one write a minute per worker. The write moves no store revision: no cached answer
shows it, and dropping the caches every minute for it would cost every read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from starlette.concurrency import run_in_threadpool

from modelyard.store.engine import Store

log = logging.getLogger("modelyard.server")

FLUSH_SECONDS = 60.0


class KeyUsage:
    def __init__(self, store: Store, every: float = FLUSH_SECONDS) -> None:
        self.store = store
        self.every = every
        self._pending: dict[str, int] = {}  # key id -> when it was last used (unix seconds)
        self._written: dict[str, int] = {}  # key id -> the minute its use was last written
        self._task: asyncio.Task[None] | None = None

    def used(self, key_id: str) -> None:
        now = int(time.time())
        if self._written.get(key_id) != now // 60:
            self._pending[key_id] = now

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._flush_every())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            await run_in_threadpool(self._write, pending)
        except Exception:  # kept for the next minute; never a request's failure
            log.warning("could not record when keys were last used", exc_info=True)
            self._pending = {**pending, **self._pending}
            return
        self._written.update({key_id: when // 60 for key_id, when in pending.items()})

    def _write(self, used: dict[str, int]) -> None:
        with self.store.write(revision=False) as tx:
            tx.tenancy.touch_keys(used)

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            await self.flush()
