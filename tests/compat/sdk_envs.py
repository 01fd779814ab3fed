"""Virtualenvs holding the official SDKs, one per pinned flavour, created once and cached.

Each flavour gets its own virtualenv under the cache directory (default
`~/.cache/modelyard/compat-venvs`, overridable with `MODELYARD_COMPAT_VENV_DIR`). A marker file
records the pinned requirement and the interpreter it was built for; a venv whose marker differs
(a changed pin, a new Python) is rebuilt.
Concurrent creators (parallel pytest workers, two checkouts sharing a cache) serialise on an
`fcntl` lock per flavour, and a venv only counts as built once its marker is written, so an
interrupted install is redone rather than trusted.

Run `python -m tests.compat.sdk_envs` to build (or check) every venv ahead of a test run.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "modelyard" / "compat-venvs"
MARKER = "modelyard-compat.json"


@dataclass(frozen=True)
class Flavour:
    """One official SDK, pinned exactly."""

    name: str
    requirement: str


MISTRALAI_1 = Flavour("mistralai-1.12.4", "mistralai==1.12.4")
MISTRALAI_3 = Flavour("mistralai-3.7.0", "mistralai==3.7.0")
# The newest openai 3.x on the index when this suite was written (`pip index versions openai`).
OPENAI_3 = Flavour("openai-3.57.0", "openai==3.57.0")
FLAVOURS = (MISTRALAI_1, MISTRALAI_3, OPENAI_3)


def cache_dir() -> Path:
    override = os.environ.get("MODELYARD_COMPAT_VENV_DIR")
    return Path(override).expanduser().resolve() if override else DEFAULT_CACHE_DIR


def _python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def _wanted_marker(flavour: Flavour) -> dict[str, str]:
    return {
        "requirement": flavour.requirement,
        "python": ".".join(map(str, sys.version_info[:3])),
        "base_prefix": sys.base_prefix,
    }


def _is_current(venv: Path, flavour: Flavour) -> bool:
    marker = venv / MARKER
    if not marker.is_file() or not _python_of(venv).exists():
        return False
    try:
        return bool(json.loads(marker.read_text()) == _wanted_marker(flavour))
    except ValueError:
        return False


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"command failed ({result.returncode}): {' '.join(command)}\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


@dataclass(frozen=True)
class SdkEnv:
    flavour: Flavour
    python: Path
    built_in_seconds: float | None  # None when the cached venv was reused


def ensure_env(flavour: Flavour) -> SdkEnv:
    """The flavour's venv, built if missing or stale; safe to call from several processes."""
    venv = cache_dir() / flavour.name
    with _locked(cache_dir() / f"{flavour.name}.lock"):
        if _is_current(venv, flavour):
            return SdkEnv(flavour, _python_of(venv), None)
        started = time.monotonic()
        if venv.exists():
            shutil.rmtree(venv)
        # The venv's base interpreter is the one running the tests (a venv made from a venv's
        # python points at the base installation, so it does not see the project's packages).
        _run([sys.executable, "-m", "venv", str(venv)])
        _run(
            [
                str(_python_of(venv)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                flavour.requirement,
            ]
        )
        (venv / MARKER).write_text(json.dumps(_wanted_marker(flavour), indent=2) + "\n")
        return SdkEnv(flavour, _python_of(venv), time.monotonic() - started)


def main() -> None:
    for flavour in FLAVOURS:
        env = ensure_env(flavour)
        how = "cached" if env.built_in_seconds is None else f"built in {env.built_in_seconds:.1f}s"
        print(f"{flavour.requirement:<20} {how:<18} {env.python}")


if __name__ == "__main__":
    main()
