"""A real Modelyard server process, for end-to-end and compatibility tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

TEST_CATALOG = Path(__file__).parent.parent / "data" / "catalog.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running server: `base_url` has no `/v1` (like the seed's `server_url`)."""

    base_url: str
    admin_key: str
    database_url: str
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key or self.admin_key}"},
            timeout=30,
        )

    def register(self, key: str | None = None, **body: Any) -> dict[str, Any]:
        """Register a fine-tuned model (default root: the test catalog's first model)."""
        body.setdefault("root", "mistral-small-2506")
        body.setdefault("job", str(uuid.uuid4()))
        with self.client(key) as http:
            response = http.post("/v1/fine_tuning/models", json=body)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def new_workspace_key(self, scope: str = "write") -> str:
        """A key of a brand-new workspace, so a test sees only its own fine-tuned models."""
        with self.client() as http:
            workspace = http.post("/v1/workspaces", json={"name": f"ws-{uuid.uuid4().hex[:12]}"})
            assert workspace.status_code == 201, workspace.text
            key = http.post(
                "/v1/api_keys", json={"workspace": workspace.json()["id"], "scope": scope}
            )
            assert key.status_code == 201, key.text
        return str(key.json()["key"])


@contextmanager
def run_server(
    database_url: str,
    workdir: Path,
    *,
    catalog: Path | None = TEST_CATALOG,
    extra_env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    admin_key: str | None = None,
    command: Callable[[int], list[str]] | None = None,
    port: int | None = None,
) -> Iterator[LiveServer]:
    """`modelyard serve` on a free port (or this one; or `command(port)`), stopped with SIGTERM
    afterwards."""
    port = port or free_port()
    admin_key = admin_key or "myd_" + uuid.uuid4().hex + uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "MODELYARD_DATABASE_URL": database_url,
        "MODELYARD_ADMIN_KEY": admin_key,
        **({"MODELYARD_CATALOG": str(catalog)} if catalog else {}),  # None: the packaged one
        **(extra_env or {}),
    }
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command(port)
            if command
            else [sys.executable, "-m", "modelyard", "serve", "--port", str(port), *args],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", admin_key, database_url, process, log_path)
    try:
        wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(server: LiveServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_path.read_text()}")
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout}s:\n{server.log_path.read_text()}")
