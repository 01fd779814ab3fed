"""Fixtures of the compatibility suite: the official SDKs, each in its own cached virtualenv."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.compat.harness import SCRIPTS, SdkRunner
from tests.compat.sdk_envs import MISTRALAI_1, MISTRALAI_3, OPENAI_3, Flavour, SdkEnv, ensure_env
from tests.support.server import LiveServer

# Set-up times of the venvs this session used (None: reused from the cache), for the summary.
_BUILD_TIMES: dict[str, float | None] = {}


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
def mistral3_env() -> SdkEnv:
    return _sdk_env(MISTRALAI_3)


@pytest.fixture(scope="session")
def openai_env() -> SdkEnv:
    return _sdk_env(OPENAI_3)


def _mistral_runner(env: SdkEnv, server: LiveServer) -> SdkRunner:
    major = env.flavour.requirement.split("==")[1].split(".")[0]
    return SdkRunner(env, SCRIPTS / "mistral_driver.py", (major,), server.base_url)


@pytest.fixture
def mistral(mistral_env: SdkEnv, live_server: LiveServer) -> SdkRunner:
    """The mistralai SDK of this parametrization (1.12.4 or 3.7.0) against the live server."""
    return _mistral_runner(mistral_env, live_server)


@pytest.fixture
def mistral3(mistral3_env: SdkEnv, live_server: LiveServer) -> SdkRunner:
    """mistralai 3.7.0 only, for what only 3.x sends (the list filters)."""
    return _mistral_runner(mistral3_env, live_server)


@pytest.fixture
def openai_sdk(openai_env: SdkEnv, live_server: LiveServer) -> SdkRunner:
    return SdkRunner(openai_env, SCRIPTS / "openai_driver.py", (), live_server.base_url)


@pytest.fixture
def write_key(live_server: LiveServer) -> str:
    """A write key of a brand-new workspace: the test sees only its own fine-tuned models."""
    return live_server.new_workspace_key("write")


@pytest.fixture
def read_key_of(live_server: LiveServer) -> Callable[[str], str]:
    """Makes a read-scoped key of the same workspace as a given key."""

    def make(key: str) -> str:
        with live_server.client(key) as http:
            me = http.get("/v1/me")
        assert me.status_code == 200, me.text
        with live_server.client() as http:
            created = http.post(
                "/v1/api_keys", json={"workspace": me.json()["workspace_id"], "scope": "read"}
            )
        assert created.status_code == 201, created.text
        return str(created.json()["key"])

    return make


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _BUILD_TIMES:
        return
    terminalreporter.write_sep("-", "compat SDK virtualenvs")
    for requirement, seconds in _BUILD_TIMES.items():
        how = "reused from the cache" if seconds is None else f"built in {seconds:.1f}s"
        terminalreporter.write_line(f"{requirement}: {how}")
