"""SQLite's change signal: a process reads the versions again once any process announced a write."""

from __future__ import annotations

from pathlib import Path

from modelyard.store.change_signal import MAX_AGE_SECONDS, ChangeSignal, SignalledProbe


class Database:
    def __init__(self) -> None:
        self.revision = 1
        self.reads = 0

    def versions(self) -> tuple[int, int]:
        self.reads += 1
        return self.revision, 0


def test_a_write_announced_by_another_process_is_read_by_the_next_probe(tmp_path: Path):
    database = Database()
    here = ChangeSignal(tmp_path / "store.db")
    there = ChangeSignal(tmp_path / "store.db")  # another process maps the same file
    probe = SignalledProbe(here, database.versions)
    assert probe() == (1, 0)
    for revision in range(2, 50):
        database.revision = revision  # committed elsewhere ...
        there.announce()  # ... and announced before it was acknowledged
        assert probe() == (revision, 0)


def test_after_its_own_write_a_process_reads_nothing_until_another_writes(tmp_path: Path):
    database = Database()
    here = ChangeSignal(tmp_path / "store.db")
    there = ChangeSignal(tmp_path / "store.db")
    probe = SignalledProbe(here, database.versions)
    assert probe() == (1, 0)
    database.revision = 2  # this process committed, and announces through its probe
    probe.announce((2, 0))
    assert probe() == (2, 0)
    assert database.reads == 1
    database.revision = 3  # another process committed after it, and announced
    there.announce()
    assert probe() == (3, 0)
    assert database.reads == 2
    database.revision = 4  # this process committed but could not read what: the word moves
    probe.announce(None)
    assert probe() == (4, 0)
    assert database.reads == 3


def test_without_writes_the_database_is_not_read_again(tmp_path: Path):
    database = Database()
    probe = SignalledProbe(ChangeSignal(tmp_path / "store.db"), database.versions)
    for _ in range(100):
        assert probe() == (1, 0)
    assert database.reads == 1


def test_a_write_that_was_never_announced_is_seen_within_the_maximum_age(tmp_path: Path):
    now = [100.0]
    database = Database()
    probe = SignalledProbe(ChangeSignal(tmp_path / "store.db"), database.versions, lambda: now[0])
    assert probe() == (1, 0)
    database.revision = 2  # a process died between its COMMIT and its announcement
    assert probe() == (1, 0)
    now[0] += MAX_AGE_SECONDS
    assert probe() == (2, 0)


def test_the_signal_file_sits_beside_the_database(tmp_path: Path):
    signal = ChangeSignal(tmp_path / "store.db")
    assert signal.path == tmp_path / "store.db-changes"
    before = signal.read()
    signal.announce()
    assert signal.read() != before
    signal.close()
