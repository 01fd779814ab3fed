import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: starts server processes or runs for seconds (bounded; runs in CI; "
        "skip locally with -m 'not slow')",
    )
    # Hypothesis caches (unicode tables, source constants) under ./.hypothesis by default; keep
    # the working tree clean. The example database is off in these tests (database=None).
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "modelyard-hypothesis")
