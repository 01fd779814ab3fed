"""Fixtures of the compatibility suite: the official SDKs, each in its own cached virtualenv.

A test builds a plan of SDK calls (`call(...)`), runs the whole plan in one subprocess of the SDK's
interpreter (`sdk.run(plan, key=...)`) and asserts on the outcomes it reports, keyed by label.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.compat.sdk_envs import MISTRALAI_1, MISTRALAI_3, OPENAI_3, Flavour, SdkEnv, ensure_env
from tests.support.server import LiveServer

SCRIPTS = Path(__file__).parent / "scripts"
SCRIPT_TIMEOUT = 180

# Set-up times of the venvs this session used (None: reused from the cache), for the summary.
_BUILD_TIMES: dict[str, float | None] = {}


def call(label: str, op: str, *, key: str | None = None, **args: Any) -> dict[str, Any]:
    """One step of a plan: `op` is the SDK method of `client.models`, `args` its keywords."""
    step: dict[str, Any] = {"label": label, "op": op, "args": args}
    if key is not None:
        step["key"] = key
    return step


@dataclass(frozen=True)
class SdkRunner:
    """Runs plans through one official SDK against one live server."""

    env: SdkEnv
    script: Path
    script_args: tuple[str, ...]
    base_url: str

    @property
    def name(self) -> str:
        return self.env.flavour.name

    def run(self, steps: list[dict[str, Any]], *, key: str) -> dict[str, dict[str, Any]]:
        """Run the plan in one interpreter; the outcomes by label."""
        document = self.run_document(steps, key=key)
        results: dict[str, dict[str, Any]] = document["results"]
        assert list(results) == [step["label"] for step in steps]
        return results

    def run_document(self, steps: list[dict[str, Any]], *, key: str) -> dict[str, Any]:
        labels = [step["label"] for step in steps]
        assert len(set(labels)) == len(labels), f"duplicate labels in plan: {labels}"
        environment = {
            name: value
            for name, value in os.environ.items()
            # No proxy, no credentials or settings of the SDKs from the caller's environment.
            if not name.lower().endswith("_proxy")
            and not name.startswith(("MISTRAL", "OPENAI", "PYTHON", "VIRTUAL_ENV"))
        }
        environment.update(
            NO_PROXY="127.0.0.1,localhost",
            MODELYARD_COMPAT_BASE_URL=self.base_url,
            MODELYARD_COMPAT_API_KEY=key,
        )
        completed = subprocess.run(
            [str(self.env.python), "-I", str(self.script), *self.script_args],
            input=json.dumps({"steps": steps}),
            capture_output=True,
            text=True,
            env=environment,
            timeout=SCRIPT_TIMEOUT,
            check=False,
        )
        assert completed.returncode == 0, (
            f"{self.name} driver failed ({completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
        document: dict[str, Any] = json.loads(completed.stdout)
        return document


def _sdk_env(flavour: Flavour) -> SdkEnv:
    try:
        env = ensure_env(flavour)
    except RuntimeError as exc:  # an install failure is a failure, never a silent skip
        pytest.fail(f"could not build the {flavour.requirement} virtualenv: {exc}")
    _BUILD_TIMES.setdefault(flavour.requirement, env.built_in_seconds)
    return env


@pytest.fixture(scope="session", params=[MISTRALAI_1, MISTRALAI_3], ids=lambda f: f.name)
def mistral_env(request: pytest.FixtureRequest) -> SdkEnv:
    return _sdk_env(request.param)


@pytest.fixture(scope="session")
def openai_env() -> SdkEnv:
    return _sdk_env(OPENAI_3)


@pytest.fixture(scope="session")
def mistral3_env() -> SdkEnv:
    return _sdk_env(MISTRALAI_3)


def _mistral_runner(env: SdkEnv, server: LiveServer) -> SdkRunner:
    major = env.flavour.requirement.split("==")[1].split(".")[0]
    return SdkRunner(env, SCRIPTS / "mistral_driver.py", (major,), server.base_url)


@pytest.fixture
def mistral3(mistral3_env: SdkEnv, live_server: LiveServer) -> SdkRunner:
    """mistralai 3.7.0 only, for what only 3.x sends (the list filters)."""
    return _mistral_runner(mistral3_env, live_server)


@pytest.fixture
def mistral(mistral_env: SdkEnv, live_server: LiveServer) -> SdkRunner:
    """The mistralai SDK of this parametrization (1.12.4 or 3.7.0) against the live server."""
    return _mistral_runner(mistral_env, live_server)


@pytest.fixture
def openai_sdk(openai_env: SdkEnv, live_server: LiveServer) -> SdkRunner:
    return SdkRunner(openai_env, SCRIPTS / "openai_driver.py", (), live_server.base_url)


@pytest.fixture
def write_key(live_server: LiveServer) -> str:
    """A write key of a brand-new workspace: the test sees only its own fine-tuned models."""
    return live_server.new_workspace_key("write")


def sibling_key(server: LiveServer, key: str, scope: str) -> str:
    """Another key of the same workspace as `key`, with `scope`."""
    with server.client(key) as http:
        me = http.get("/v1/me")
    assert me.status_code == 200, me.text
    with server.client() as http:
        created = http.post(
            "/v1/api_keys", json={"workspace": me.json()["workspace_id"], "scope": scope}
        )
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


@pytest.fixture
def read_key_of(live_server: LiveServer) -> Callable[[str], str]:
    """Makes a read-scoped key of the same workspace as a given key."""

    def make(key: str) -> str:
        return sibling_key(live_server, key, "read")

    return make


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _BUILD_TIMES:
        return
    terminalreporter.write_sep("-", "compat SDK virtualenvs")
    for requirement, seconds in _BUILD_TIMES.items():
        how = "reused from cache" if seconds is None else f"built in {seconds:.1f}s"
        terminalreporter.write_line(f"{requirement}: {how}")
