from __future__ import annotations

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
