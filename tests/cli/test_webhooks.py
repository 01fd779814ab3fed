"""`modelyard webhooks` against a real server process (both dialects): JSON that is the API's,
tables for people, the secret shown once, and one-line errors."""

from __future__ import annotations

import time

from tests.cli.cli import as_user, failure, json_of
from tests.support.server import LiveServer

TARGET = "https://hooks.example.test/cli"


def test_webhooks_from_creation_to_deletion(live_server: LiveServer):
    def cli(*args: str):
        return as_user(live_server, live_server.admin_key, "webhooks", *args)

    created = json_of(cli("create", TARGET, "-e", "model.updated", "-e", "alias.set", "--json"))
    webhook_id = created["id"]
    try:
        assert created["secret"].startswith("whsec_")
        assert created["events"] == ["model.updated", "alias.set"]
        with live_server.client() as http:
            assert (
                json_of(cli("get", webhook_id, "--json"))
                == http.get(f"/v1/webhooks/{webhook_id}").json()
            )
        table = cli("list")
        assert table.exit_code == 0
        assert webhook_id in table.stdout
        assert "whsec_" not in table.stdout
        updated = json_of(cli("update", webhook_id, "--disable", "--description", "ci", "--json"))
        assert (updated["enabled"], updated["description"]) == (False, "ci")
        said = cli("update", webhook_id, "--enable")
        assert said.stdout.startswith(f"Webhook {webhook_id} -> {TARGET} (enabled;")
        rotated = cli("rotate-secret", webhook_id)
        assert "whsec_" in rotated.stdout
        ping = json_of(cli("ping", webhook_id, "--json"))
        assert ping["type"] == "webhook.ping"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            log = json_of(cli("deliveries", webhook_id, "--json"))
            if log["data"][0]["attempts"]:
                break
            time.sleep(0.1)
        assert log["data"][0]["id"] == ping["id"]
        shown = cli("deliveries", webhook_id)
        assert ping["id"] in shown.stdout
        assert "webhook.ping" in shown.stdout
        again = cli("redeliver", webhook_id, ping["id"])
        assert again.stdout == f"Delivery {ping['id']} (webhook.ping) is queued again.\n"
    finally:
        deleted = cli("delete", webhook_id)
    assert deleted.stdout == f"Deleted webhook {webhook_id}.\n"
    line = failure(cli("get", webhook_id))
    assert line.endswith("(404 webhook_not_found)")


def test_a_private_target_is_one_line_error(live_server: LiveServer):
    result = as_user(
        live_server, live_server.admin_key, "webhooks", "create", "http://10.0.0.1/hook"
    )
    assert failure(result).endswith("(422 webhook_target_forbidden)")


def test_a_key_without_admin_scope_is_refused(live_server: LiveServer):
    key = live_server.new_workspace_key("write")
    line = failure(as_user(live_server, key, "webhooks", "list"))
    assert line.endswith("(403 insufficient_scope)")
