"""The wheel a release ships: built from this checkout, installed with the `server` extra into a
fresh virtualenv, it serves from an empty directory (its catalog and migrations are inside)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.compat.sdk_envs import REPO_ROOT
from tests.support.server import free_port

pytestmark = pytest.mark.packaging

LEFT_OUT = (".git", ".venv", ".cache", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.timeout(900)
def test_the_wheel_installs_with_the_server_extra_and_serves(tmp_path: Path):
    # From a copy: setuptools leaves build/ and *.egg-info beside the sources it builds.
    source = tmp_path / "source"
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(*LEFT_OUT))
    built = run(sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", source)
    assert "SetuptoolsDeprecationWarning" not in built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("modelyard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "modelyard/catalog/mistral.yaml" in names
    assert "modelyard/store/migrations/env.py" in names
    assert "modelyard/store/migrations/script.py.mako" in names
    assert any(name.startswith("modelyard/store/migrations/versions/0001") for name in names)
    assert "modelyard/py.typed" in names

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    # The machine's pip cache serves what it already fetched; the index the rest.
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        f"{wheel}[server]")  # fmt: skip

    workdir = tmp_path / "empty"
    workdir.mkdir()
    port = free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MODELYARD_", "PYTHON", "VIRTUAL_ENV"))
    }
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [venv / "bin" / "modelyard", "serve", "--port", str(port)],
        cwd=workdir,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    lines = output.splitlines()
    announced = lines.index("Created the first admin key (shown once, store it now):")
    assert lines[announced + 1].strip().startswith("myd_")
    assert (workdir / "modelyard.db").exists()
    assert (
        str(venv)
        in run(venv / "bin" / "python", "-c", "import modelyard; print(modelyard.__file__)").stdout
    )
