"""Webhooks end to end: a real `modelyard serve` process, a real receiver on 127.0.0.1, the
payloads verified with `standardwebhooks` and the secret, as a user's receiver would."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.feeds import audit_events
from tests.support.databases import DIALECTS, fresh_database
from tests.support.receiver import Received, run_receiver
from tests.support.server import LiveServer, free_port, run_server

# A local receiver needs private targets allowed; retries are sped up (docs/webhooks.md).
FAST = {
    "MODELYARD_WEBHOOK_ALLOW_PRIVATE": "true",
    "MODELYARD_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "MODELYARD_WEBHOOK_TIMEOUT_SECONDS": "2",
    "MODELYARD_WEBHOOK_POLL_SECONDS": "0.2",
}


def subscribe(server: LiveServer, url: str, **body: Any) -> dict[str, Any]:
    with server.client() as http:
        response = http.post("/v1/webhooks", json={"url": url, **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture(params=DIALECTS)
def server(request: pytest.FixtureRequest, tmp_path: Path):
    with (
        fresh_database(request.param, tmp_path) as url,
        run_server(url, tmp_path, extra_env=FAST) as live,
    ):
        yield live


def test_every_kind_of_change_is_delivered_signed_in_audit_order(server: LiveServer):
    with run_receiver() as receiver:
        webhook = subscribe(server, receiver.url)
        key = server.new_workspace_key()
        card = server.register(key, name="first")
        path = f"/v1/fine_tuning/models/{card['id']}"
        with server.client(key) as http:
            for method, url, body in (
                ("PATCH", path, {"name": "renamed"}),
                ("PATCH", path, {"labels": {"stage": "prod"}}),
                ("PATCH", path, {"artifact": {"uri": "s3://bucket/model.safetensors"}}),
                ("POST", f"{path}/archive", None),
                ("DELETE", f"{path}/archive", None),
                ("PUT", "/v1/aliases/best", {"model": card["id"]}),
                ("DELETE", "/v1/aliases/best", None),
                ("DELETE", f"/v1/models/{card['id']}", None),
            ):
                response = http.request(method, url, json=body)
                assert response.status_code == 200, response.text
        got = receiver.wait_for(9)
    expected = [
        event
        for event in audit_events(server.base_url, server.admin_key)
        if event["model_id"] == card["id"]
    ]
    assert [event["action"] for event in expected] == [
        "model.registered",
        "model.updated",
        "model.updated",
        "model.updated",
        "model.archived",
        "model.unarchived",
        "alias.set",
        "alias.deleted",
        "model.deleted",
    ]
    payloads = [each.verified(webhook["secret"]) for each in got]
    # Each event once, in audit order, its data exactly as GET /v1/audit/events gives it.
    assert [payload["data"] for payload in payloads] == expected
    assert [payload["type"] for payload in payloads] == [e["action"] for e in expected]
    assert all(payload["timestamp"].endswith("Z") for payload in payloads)
    assert all(each.headers["content-type"] == "application/json" for each in got)
    assert len({each.headers["webhook-id"] for each in got}) == 9


def test_a_change_wakes_the_dispatcher_without_waiting_for_its_poll(tmp_path: Path):
    """The dispatcher reads a change's event when the change commits (and learns of a new
    endpoint when it is created), not at its next poll: with a poll of a minute, the event of a
    registration and then of a rename each arrive within seconds."""
    slow_poll = {**FAST, "MODELYARD_WEBHOOK_POLL_SECONDS": "60"}
    with (
        run_server(f"sqlite:///{tmp_path / 'wake.db'}", tmp_path, extra_env=slow_poll) as live,
        run_receiver() as receiver,
    ):
        time.sleep(0.5)  # the dispatcher's first look found no endpoint
        subscribe(live, receiver.url)
        card = live.register()
        assert len(receiver.wait_for(1, timeout=15)) == 1
        with live.client() as http:
            renamed = http.patch(f"/v1/fine_tuning/models/{card['id']}", json={"name": "woken"})
            assert renamed.status_code == 200
        got = receiver.wait_for(2, timeout=15)
    assert [each.json["type"] for each in got] == ["model.registered", "model.updated"]


def test_a_failed_attempt_is_retried_with_the_same_webhook_id(server: LiveServer):
    with run_receiver(lambda number, _r: 500 if number == 0 else 200) as receiver:
        webhook = subscribe(server, receiver.url)
        card = server.register()
        got = receiver.wait_for(2)
        assert len(got) == 2
        assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
        assert got[0].verified(webhook["secret"]) == got[1].verified(webhook["secret"])
        assert got[1].verified(webhook["secret"])["data"]["model_id"] == card["id"]
        delivery = wait_for_status(server, webhook["id"], "delivered")
    assert delivery["attempts"] == 2
    assert delivery["response_status"] == 200
    assert delivery["response_excerpt"] == '{"ok": true}'
    assert delivery["latency_ms"] is not None
    assert delivery["id"] == got[0].headers["webhook-id"]


def test_a_receiver_that_never_answers_does_not_slow_changes(server: LiveServer):
    with run_receiver(lambda _n, _r: None) as receiver:
        webhook = subscribe(server, receiver.url)
        key = server.new_workspace_key()
        card = server.register(key)
        receiver.wait_for(1)
        with server.client(key) as http:
            started = time.monotonic()
            for round_ in range(20):
                response = http.patch(
                    f"/v1/fine_tuning/models/{card['id']}", json={"name": f"n-{round_}"}
                )
                assert response.status_code == 200
            # Each would wait out the 2 s timeout if deliveries ran on the request path.
            assert time.monotonic() - started < 10.0
        delivery = wait_for(
            server, webhook["id"], lambda found: found[-1]["error"] is not None, timeout=10
        )[-1]
    assert "No answer within 2 s" in delivery["error"]
    assert delivery["status"] == "pending"
    assert delivery["next_attempt_at"] is not None


def test_a_redirect_is_never_followed(server: LiveServer):
    def redirect(_number: int, received: Received) -> int:
        return 302 if received.path == "/hook" else 200

    with run_receiver(redirect) as receiver:
        webhook = subscribe(server, receiver.url)
        with server.client() as http:
            assert http.post(f"/v1/webhooks/{webhook['id']}/ping").status_code == 200
        delivery = wait_for(server, webhook["id"], lambda found: found[0]["attempts"] >= 1)[0]
        time.sleep(0.3)
    assert delivery["response_status"] == 302
    assert [each.path for each in receiver.received] == ["/hook"] * len(receiver.received)


def test_redeliver_sends_a_delivered_event_again_with_its_id(server: LiveServer):
    with run_receiver() as receiver:
        webhook = subscribe(server, receiver.url)
        server.register()
        first = receiver.wait_for(1)[0]
        delivery = wait_for_status(server, webhook["id"], "delivered")
        with server.client() as http:
            again = http.post(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/redeliver")
        assert again.status_code == 200, again.text
        assert again.json()["status"] == "pending"
        second = receiver.wait_for(2)[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == delivery["id"]
    assert second.verified(webhook["secret"])["data"] == first.verified(webhook["secret"])["data"]


def test_a_rotated_secret_signs_the_next_deliveries(server: LiveServer):
    with run_receiver() as receiver:
        webhook = subscribe(server, receiver.url)
        with server.client() as http:
            rotated = http.post(f"/v1/webhooks/{webhook['id']}/secret")
            assert rotated.status_code == 200
            http.post(f"/v1/webhooks/{webhook['id']}/ping")
        got = receiver.wait_for(1)[0]
    secret = rotated.json()["secret"]
    assert secret != webhook["secret"]
    assert got.verified(secret)["type"] == "webhook.ping"
    with pytest.raises(Exception, match="signature"):
        got.verified(webhook["secret"])


def test_the_circuit_opens_after_every_attempt_failed_for_its_window(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'circuit.db'}"
    env = {**FAST, "MODELYARD_WEBHOOK_CIRCUIT_SECONDS": "1"}
    with (
        run_receiver(lambda _n, _r: 503) as receiver,
        run_server(url, tmp_path, extra_env=env) as server,
    ):
        webhook = subscribe(server, receiver.url)
        server.register()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with server.client() as http:
                found = http.get(f"/v1/webhooks/{webhook['id']}").json()
            if not found["enabled"]:
                break
            time.sleep(0.2)
        assert found["enabled"] is False
        assert "every delivery attempt failed" in found["disabled_reason"]
        assert "HTTP 503" in found["disabled_reason"]
        with server.client() as http:
            reopened = http.patch(f"/v1/webhooks/{webhook['id']}", json={"enabled": True})
        assert reopened.json()["enabled"] is True
        assert reopened.json()["disabled_reason"] is None


# -- SSRF: with private targets refused (the default) ----------------------------------------


@pytest.fixture
def guarded(tmp_path: Path):
    env = {**FAST, "MODELYARD_WEBHOOK_ALLOW_PRIVATE": "false"}
    with run_server(f"sqlite:///{tmp_path / 'guarded.db'}", tmp_path, extra_env=env) as live:
        yield live


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://192.168.1.10/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_literal_private_targets_are_refused(guarded: LiveServer, url: str):
    with guarded.client() as http:
        response = http.post("/v1/webhooks", json={"url": url})
        assert response.status_code == 422
        assert response.json()["code"] == "webhook_target_forbidden"
        assert response.json()["object"] == "error"
        assert response.json()["param"] == "url"
        assert http.get("/v1/webhooks").json()["data"] == []


def test_a_host_resolving_to_loopback_is_refused_at_send_time(guarded: LiveServer):
    with run_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        webhook = subscribe(guarded, f"http://localhost:{port}/hook")
        guarded.register()
        delivery = wait_for(guarded, webhook["id"], lambda found: found[0]["attempts"] >= 1)[0]
        time.sleep(0.3)
    assert receiver.received == []
    assert "loopback" in delivery["error"]
    assert "localhost" in delivery["error"]
    assert delivery["response_status"] is None


# -- helpers ---------------------------------------------------------------------------------


def wait_for(server: LiveServer, webhook_id: str, done: Any, timeout: float = 20) -> list[dict]:
    """The delivery log (newest first) once `done(log)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        with server.client() as http:
            found = http.get(f"/v1/webhooks/{webhook_id}/deliveries").json()["data"]
        if (found and done(found)) or time.monotonic() > deadline:
            assert found, "no delivery"
            assert done(found), found
            return list(found)
        time.sleep(0.05)


def wait_for_status(server: LiveServer, webhook_id: str, status: str) -> dict[str, Any]:
    return wait_for(server, webhook_id, lambda found: found[0]["status"] == status)[0]


def test_the_documented_receiver_verifies_and_prints_a_delivery(tmp_path: Path):
    """docs/examples/webhook_receiver.py as docs/webhooks.md runs it, against a real server."""
    receiver_script = Path(__file__).resolve().parents[2] / "docs/examples/webhook_receiver.py"
    port = free_port()
    url = f"sqlite:///{tmp_path / 'receiver.db'}"
    with run_server(url, tmp_path, extra_env=FAST) as server:
        webhook = subscribe(server, f"http://127.0.0.1:{port}/", events=["model.registered"])
        env = {**os.environ, "WEBHOOK_SECRET": webhook["secret"], "PYTHONUNBUFFERED": "1"}
        with subprocess.Popen(
            [sys.executable, str(receiver_script), str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as receiver:
            try:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:  # listening
                    with (
                        contextlib.suppress(OSError),
                        socket.create_connection(("127.0.0.1", port)),
                    ):
                        break
                    time.sleep(0.05)
                model = server.register()
                assert receiver.stdout is not None
                line = json.loads(receiver.stdout.readline())  # blocks until it printed one
            finally:
                receiver.terminate()
    assert line["type"] == "model.registered"
    assert line["model"] == model["id"]
    assert line["id"].startswith("msg_")
