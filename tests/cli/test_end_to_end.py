"""A real server driven only through `modelyard` subprocesses: init, serve, a workspace and a key,
then a model's life: register, list, rename, archive, delete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.server import TEST_CATALOG, LiveServer, free_port, wait_ready


def modelyard(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        env=env,
        stdin=subprocess.DEVNULL,  # no terminal, as in a script
        capture_output=True,
        text=True,
        timeout=60,
    )


def document(*args: str, env: dict[str, str]) -> dict[str, object]:
    done = modelyard(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@contextmanager
def serving(env: dict[str, str], workdir: Path) -> Iterator[str]:
    """`modelyard serve` with exactly this environment (no MODELYARD_ADMIN_KEY: `init` made the
    key), which `run_server` does not offer."""
    port = free_port()
    log_path = workdir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "modelyard", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(
        f"http://127.0.0.1:{port}", "", env["MODELYARD_DATABASE_URL"], process, log_path
    )
    try:
        wait_ready(server)
        yield server.base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_server_set_up_and_used_only_through_the_cli(database_url: str, tmp_path: Path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")},
        "MODELYARD_DATABASE_URL": database_url,
        "MODELYARD_CATALOG": str(TEST_CATALOG),
    }
    admin_key = str(document("init", env=env)["admin_key"])
    assert admin_key.startswith("myd_")

    with serving(env, tmp_path) as url:
        admin = ("--server-url", url, "--api-key", admin_key)
        workspace = document("workspaces", "create", "team-a", env=env)  # on the store
        key = document(
            "keys", "create", "--workspace", "team-a", "--scope", "write", *admin, env=env
        )  # through the admin API
        assert key["workspace_id"] == workspace["id"]
        user = {**env, "MODELYARD_SERVER_URL": url, "MODELYARD_API_KEY": str(key["key"])}

        card = document("models", "register", "--root", "mistral-small-latest", env=user)
        model_id = str(card["id"])
        listed = document("models", "list", "--type", "fine-tuned", env=user)
        assert [entry["id"] for entry in listed["data"]] == [model_id]  # type: ignore[attr-defined]

        renamed = modelyard("models", "rename", model_id, "Support bot", env=user)
        assert renamed.stdout == f"Renamed {model_id} to 'Support bot'.\n"
        assert document("models", "get", model_id, env=user)["name"] == "Support bot"

        assert document("models", "archive", model_id, env=user)["archived"] is True
        archived = document("models", "list", "--archived", env=user)
        assert [entry["id"] for entry in archived["data"]] == [model_id]  # type: ignore[attr-defined]

        refused = modelyard("models", "delete", model_id, env=user)
        assert refused.returncode == 1
        assert "pass --yes" in refused.stderr
        assert document("models", "delete", model_id, "--yes", env=user)["deleted"] is True
        gone = modelyard("models", "get", model_id, env=user)
        assert (gone.returncode, gone.stdout) == (1, "")
        assert gone.stderr.strip().endswith("(404 model_not_found)")

        feed = document("audit", "--model", model_id, *admin, env=env)
        assert [event["action"] for event in feed["data"]] == [  # type: ignore[attr-defined]
            "model.registered",
            "model.updated",
            "model.archived",
            "model.deleted",
        ]
