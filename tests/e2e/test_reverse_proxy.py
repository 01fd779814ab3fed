"""The reverse-proxy recipe of docs/operations.md, run: Debian's nginx as a child process on a
free port (a config of its own, nothing of the system's touched), proxying `/registry/` to
`modelyard serve --root-path /registry`, driven with plain HTTP, the official mistralai SDKs,
a browser's view of /docs, and the console in a real Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.compat.harness import LLAMA, SCRIPTS, SdkRunner, call, expect_ok
from tests.compat.sdk_envs import MISTRALAI_1, MISTRALAI_3, REPO_ROOT, ensure_env
from tests.support.browser import chromium
from tests.support.server import LiveServer, free_port, run_server

pytestmark = pytest.mark.compat

RECIPE = REPO_ROOT / "docs" / "operations.md"
PREFIX = "/registry"


def nginx_binary() -> str:
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("nginx is required under CI (.ci/run installs it): not found")
    pytest.skip("nginx is not installed (apt-get install nginx): reverse-proxy recipe not run")


def recipe(upstream: int, port: int) -> str:
    """The documented site, listening on `port` and proxying to `upstream`."""
    (site,) = re.findall(r"```nginx\n(.*?)```", RECIPE.read_text(), re.DOTALL)
    assert "listen 80;" in site
    assert "http://127.0.0.1:8000;" in site
    return site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace(
        "http://127.0.0.1:8000;", f"http://127.0.0.1:{upstream};"
    )


@contextmanager
def nginx(site: str, port: int, workdir: Path) -> Iterator[str]:
    """nginx in the foreground with everything (pid, logs, buffers) under `workdir`."""
    for folder in ("logs", "temp"):
        (workdir / folder).mkdir(parents=True, exist_ok=True)
    temp = workdir / "temp"
    # As root, nginx's workers would run as `nobody`, which cannot write in pytest's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    (workdir / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {workdir}/logs/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    types {{ application/javascript js; text/css css; text/html html; }}
{site}
}}
"""
    )
    command = [nginx_binary(), "-p", str(workdir), "-c", str(workdir / "nginx.conf")]
    command += ["-e", str(workdir / "logs" / "error.log"), "-g", "daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "nginx did not start listening"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}{PREFIX}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stderr:
            process.stderr.close()


@contextmanager
def proxied(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with run_server(url, tmp_path, args=("--root-path", PREFIX)) as server:
        port = free_port()
        upstream = int(server.base_url.rsplit(":", 1)[1])
        with nginx(recipe(upstream, port), port, tmp_path / "nginx") as base:
            yield server, base


def test_the_documented_nginx_recipe_serves_the_api_the_sdks_and_the_docs(tmp_path: Path):
    with proxied(tmp_path) as (server, base):
        headers = {"Authorization": f"Bearer {server.admin_key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            assert http.get("/readyz").status_code == 200
            assert http.get("/v1/me").json()["scope"] == "admin"
            # Ids with a slash, as mistralai sends them (raw) and as openai does (%2F).
            assert http.get(f"/v1/models/{LLAMA}").json()["id"] == LLAMA
            assert http.get("/v1/models/meta-llama%2FLlama-3.1-8B-Instruct").json()["id"] == LLAMA
            created = http.post(
                "/v1/fine_tuning/models", json={"root": "mistral-small-latest", "suffix": "proxy"}
            )
            assert created.status_code == 201, created.text
            assert http.get("/v1/models/nope").json()["code"] == "model_not_found"

            # What a browser does with /docs: the page, then its assets and the spec, under
            # the prefix.
            page = http.get("/docs").text
            assets = re.findall(r"""["'](/registry/[^"']+)["']""", page)
            assert f"{PREFIX}/openapi.json" in assets
            assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
            for asset in assets:
                fetched = http.get(asset.removeprefix(PREFIX))
                assert fetched.status_code == 200, asset
            assert http.get("/openapi.json").json()["servers"] == [{"url": PREFIX}]

        write_key = server.new_workspace_key()
        for flavour in (MISTRALAI_1, MISTRALAI_3):
            major = flavour.requirement.split("==")[1].split(".")[0]
            sdk = SdkRunner(ensure_env(flavour), SCRIPTS / "mistral_driver.py", (major,), base)
            model_id = server.register(write_key, suffix="via-proxy")["id"]
            classes = sdk.classes
            outcomes = sdk.run(
                [
                    call("list", "list"),
                    call("retrieve", "retrieve", model_id=LLAMA),
                    call("update", "update", model_id=model_id, name="Renamed through nginx"),
                    call("archive", "archive", model_id=model_id),
                    call("unarchive", "unarchive", model_id=model_id),
                    call("delete", "delete", model_id=model_id),
                ],
                key=write_key,
            )
            listed = expect_ok(outcomes["list"], classes["list"])
            assert model_id in [card["id"] for card in listed["data"]]
            assert expect_ok(outcomes["retrieve"], classes["base"])["id"] == LLAMA
            updated = expect_ok(outcomes["update"], classes["completion"])
            assert updated["name"] == "Renamed through nginx"
            assert expect_ok(outcomes["archive"], classes["archive"])["archived"] is True
            assert expect_ok(outcomes["unarchive"], classes["unarchive"])["archived"] is False
            assert expect_ok(outcomes["delete"], classes["delete"])["deleted"] is True


def test_the_console_through_the_documented_nginx_recipe(tmp_path: Path):
    """A browser at nginx's address: `/registry/` leads to the console's sign-in, a key signs
    in, an edit (a form POST, its Origin checked against the Host nginx passes on) is saved,
    and every link stays under the prefix."""
    from playwright.sync_api import expect

    with proxied(tmp_path) as (server, base), chromium() as browser:
        card = server.register(name="behind-nginx")
        page = browser.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{base}/")
        page.get_by_label("API key", exact=True).fill(server.admin_key)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible()
        assert page.url == f"{base}/console/"
        page.get_by_role("table").get_by_role("link", name=card["id"]).click()
        page.get_by_label("Name", exact=True).fill("renamed through nginx")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        links = page.eval_on_selector_all(
            "a[href], form[action], link[href], script[src]",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('action')"
            " || e.getAttribute('src'))",
        )
        assert all(link.startswith(f"{PREFIX}/") for link in links if not link.startswith("#"))
        with server.client() as http:
            assert http.get(f"/v1/models/{card['id']}").json()["name"] == "renamed through nginx"
