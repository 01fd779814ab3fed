"""A real headless Chromium for the console's end-to-end tests: Debian's `chromium` driven by
Playwright (which cannot download its own browser here). Required under CI (`.ci/run` installs
it); skipped, and said so, elsewhere when it is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Without the background-networking flags Chromium's own connections (updates, sync) are
# refused by a closed network and slow every start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = os.environ.get("MODELYARD_CONSOLE_SCREENSHOTS")


@contextmanager
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI (apt-get install chromium)")
        pytest.skip("chromium not installed: console end-to-end tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> None:
    """The whole page as `<name>.png` in MODELYARD_CONSOLE_SCREENSHOTS, when it is set."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
