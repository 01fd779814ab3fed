"""SQLite's writers' lock across processes: the writer that waited goes next, and a writer that
cannot get it within the store's timeout gets StoreBusy.

Two dialect objects on one file stand for two processes: each opens the file beside the
database on its own, and both of its locks belong to that open file, not to the process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from modelyard.store.errors import StoreBusy
from modelyard.store.sqlite import SQLite


def _dialect(path: Path, timeout: float = 5.0) -> SQLite:
    return SQLite(sa.make_url(f"sqlite:///{path}"), timeout=timeout)


def test_a_writer_that_releases_the_lock_cannot_take_it_back_before_the_one_waiting(
    tmp_path: Path,
):
    first, second = _dialect(tmp_path / "store.db"), _dialect(tmp_path / "store.db")
    order: list[str] = []
    waiting = threading.Event()

    def wait_then_write() -> None:
        waiting.set()
        with second.cross_process_lock():
            order.append("second")
            time.sleep(0.05)

    try:
        with first.cross_process_lock():
            thread = threading.Thread(target=wait_then_write)
            thread.start()
            waiting.wait()
            time.sleep(0.05)  # the second writer is queued now
        # Straight back for the next batch, as a busy writer thread does:
        with first.cross_process_lock():
            order.append("first again")
        thread.join()
    finally:
        first.dispose()
        second.dispose()
    assert order == ["second", "first again"]


def test_a_writer_kept_out_past_the_timeout_is_told_the_store_is_busy(tmp_path: Path):
    holder, waiter = _dialect(tmp_path / "store.db"), _dialect(tmp_path / "store.db", 0.2)
    try:
        with holder.cross_process_lock():
            started = time.monotonic()
            with pytest.raises(StoreBusy), waiter.cross_process_lock():
                pass
            assert 0.2 <= time.monotonic() - started < 2
        with waiter.cross_process_lock():  # and nothing was left held
            pass
    finally:
        holder.dispose()
        waiter.dispose()
