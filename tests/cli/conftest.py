from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.server.startup import prepare
from tests.support.app import settings_for


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A fresh SQLite store, ready as `modelyard init` leaves it (admin key: tests.support.app)."""
    url = f"sqlite:///{tmp_path / 'modelyard.db'}"
    prepare(settings_for(url))
    return url


@pytest.fixture(autouse=True)
def restored_environment() -> Iterator[None]:
    """`modelyard serve` hands its settings to its workers through os.environ (the database URL,
    PROMETHEUS_MULTIPROC_DIR, ...); in-process CLI tests must not leave them to later tests."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
