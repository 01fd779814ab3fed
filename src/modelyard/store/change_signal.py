"""SQLite's freshness signal: a word of shared memory beside the database file.

Every request must see every write acknowledged before it arrived, by any process on the store.
Reading the versions from SQLite on every request costs a read transaction, whose WAL read lock is
a file lock shared by every process on the database: with two workers, the probes of one slowed
the other enough that two workers served fewer reads than one (bench/RESULTS.md).

So every process on a SQLite store maps one small file beside the database (`<db>-changes`), and
`Store.write()` stores a fresh random word there after each COMMIT, before the change is
acknowledged. A reader reads the versions from the database only when that word differs from the
one it read before its last look (or that look is over a second old, in case a process died
between its COMMIT and the store). Reading the word is a memory load: no system call, no lock,
no GIL hand-off.

Why a random word and not a counter: two processes cannot increment a shared word atomically from
Python, and a lost increment would hide a write. Every write stores a new value (a repeat has odds
of 2**-64), so a reader that finds its old value knows no write was acknowledged since.
"""

from __future__ import annotations

import mmap
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

_SIZE = 8
MAX_AGE_SECONDS = 1.0

Versions = tuple[int, int]


class ChangeSignal:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-changes")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _SIZE:
                os.ftruncate(fd, _SIZE)
            self._map = mmap.mmap(fd, _SIZE)
        finally:
            os.close(fd)  # the mapping keeps the file open

    def read(self) -> bytes:
        return self._map[:_SIZE]

    def announce(self) -> bytes:
        """A write committed: tell every process on this store. Returns the word stored."""
        word = random.getrandbits(64).to_bytes(_SIZE, "little")
        self._map[:_SIZE] = word
        return word

    def close(self) -> None:
        self._map.close()


class SignalledProbe:
    """The store's versions, read from the database only after a write was announced.

    A write of this process announces through its probe, with the versions it committed
    (`announce`): while that word is still the store's, those versions are the latest, and the
    requests after it read nothing (the word is stored under the writers' lock, so no other
    write lands between that write's COMMIT and its word)."""

    def __init__(
        self,
        signal: ChangeSignal,
        read_versions: Callable[[], Versions],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signal = signal
        self._read_versions = read_versions
        self._clock = clock
        # (the word last seen, the versions as of it, until when to trust them): one tuple, so
        # the writer thread's `announced` and a request's read never mix their halves.
        self._known: tuple[bytes | None, Versions, float] = (None, (-1, -1), 0.0)

    def __call__(self) -> Versions:
        word, now = self._signal.read(), self._clock()
        seen, versions, expires = self._known
        if word == seen and now < expires:
            return versions
        # The word is read before the database: a write landing in between moves the word
        # again, so the next request reads again.
        versions = self._read_versions()
        self._known = (word, versions, now + MAX_AGE_SECONDS)
        return versions

    def announce(self, versions: Versions | None) -> None:
        """This process committed, holding the writers' lock: tell every process on the store,
        and remember `versions` (those it committed, when it could read them) as of that word."""
        word = self._signal.announce()
        if versions is not None:
            self._known = (word, versions, self._clock() + MAX_AGE_SECONDS)
