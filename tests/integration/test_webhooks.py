"""The webhook endpoints' API on each dialect: validation that changes nothing, admin scope, the
secret shown once, rotation, the delivery log, redeliver and ping, and the deliveries read from
the audit log (the outbox: a change writes its event in its own transaction, nothing else)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.registry.outbox import read_all_events
from modelyard.store.tables import webhook_deliveries, webhooks
from tests.support.app import Harness

# Never resolves (RFC 2606's `.test`): attempts fail at once, off the request path.
TARGET = "https://hooks.example.test/modelyard"


def create(app: Harness, **body: Any) -> dict[str, Any]:
    response = app.call("POST", "/v1/webhooks", json={"url": TARGET, **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def rows(app: Harness) -> tuple[list[Any], list[Any]]:
    with app.store.read() as tx:
        endpoints = tx.conn.execute(sa.select(webhooks).order_by(webhooks.c.id)).all()
        deliveries = tx.conn.execute(
            sa.select(webhook_deliveries).order_by(webhook_deliveries.c.seq)
        ).all()
    return [tuple(row) for row in endpoints], [tuple(row) for row in deliveries]


def read_now(app: Harness) -> None:
    """The dispatcher's read of the audit log, done now (it may have done some already)."""
    with app.store.write(revision=False) as tx:
        read_all_events(tx)


def outbox(app: Harness) -> list[dict[str, Any]]:
    read_now(app)
    with app.store.read() as tx:
        query = sa.select(webhook_deliveries).order_by(webhook_deliveries.c.seq)
        return [dict(row) for row in tx.conn.execute(query).mappings()]


def test_create_answers_the_secret_once(app: Harness):
    created = create(app, description="CI hook", events=["model.updated"])
    assert created["object"] == "webhook"
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["model.updated"]
    assert created["enabled"] is True
    assert created["disabled_reason"] is None
    shown = app.call("GET", f"/v1/webhooks/{created['id']}").json()
    assert "secret" not in shown
    assert shown == {key: value for key, value in created.items() if key != "secret"}
    listed = app.call("GET", "/v1/webhooks").json()
    assert listed == {"object": "list", "data": [shown]}


def test_events_default_to_every_model_and_alias_action(app: Harness):
    assert create(app)["events"] == [
        "model.registered",
        "model.updated",
        "model.archived",
        "model.unarchived",
        "model.deleted",
        "alias.set",
        "alias.deleted",
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/hook"},
        {"url": "example.com/hook"},
        {"url": "https://user:pw@example.com/hook"},
        {"url": "https://example.com/" + "a" * 2100},
        {"url": TARGET, "events": ["model.exploded"]},
        {"url": TARGET, "events": []},
        {"url": TARGET, "secret": "whsec_mine"},
        {"url": 42},
        {},
    ],
)
def test_invalid_bodies_are_422_and_change_nothing(app: Harness, body: dict[str, Any]):
    before = rows(app)
    response = app.call("POST", "/v1/webhooks", json=body)
    assert response.status_code == 422
    assert "detail" in response.json()
    assert rows(app) == before


def test_a_private_target_is_refused_and_changes_nothing(app: Harness):
    before = rows(app)
    response = app.call("POST", "/v1/webhooks", json={"url": "http://10.0.0.8/hook"})
    assert response.status_code == 422
    assert response.json()["code"] == "webhook_target_forbidden"
    hook = create(app)
    before = rows(app)
    patched = app.call("PATCH", f"/v1/webhooks/{hook['id']}", json={"url": "http://[fe80::1]/"})
    assert patched.status_code == 422
    assert patched.json()["code"] == "webhook_target_forbidden"
    assert rows(app) == before


def test_private_targets_are_accepted_when_allowed(database_url: str):
    from tests.support.app import harness

    with harness(database_url, webhook_allow_private=True) as app:
        created = app.call("POST", "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
        assert created.status_code == 201


@pytest.mark.parametrize("scope", ["read", "write"])
def test_a_key_without_admin_scope_is_refused(app: Harness, scope: str):
    key = app.key(scope)
    hook = create(app)
    for method, path in (
        ("POST", "/v1/webhooks"),
        ("GET", "/v1/webhooks"),
        ("GET", f"/v1/webhooks/{hook['id']}"),
        ("PATCH", f"/v1/webhooks/{hook['id']}"),
        ("DELETE", f"/v1/webhooks/{hook['id']}"),
        ("POST", f"/v1/webhooks/{hook['id']}/secret"),
        ("GET", f"/v1/webhooks/{hook['id']}/deliveries"),
        ("POST", f"/v1/webhooks/{hook['id']}/ping"),
    ):
        response = app.call(method, path, key, json={"url": TARGET})
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "insufficient_scope"


def test_patch_is_a_merge_patch(app: Harness):
    hook = create(app, description="first")
    path = f"/v1/webhooks/{hook['id']}"
    assert app.call("PATCH", path, json={}).json()["description"] == "first"
    changed = app.call(
        "PATCH", path, json={"events": ["alias.set"], "enabled": False, "description": None}
    ).json()
    assert changed["events"] == ["alias.set"]
    assert changed["enabled"] is False
    assert changed["description"] is None
    assert app.call("GET", path).json() == changed
    unknown = app.call("PATCH", path, json={"secret": "x"})
    assert unknown.status_code == 422


def test_unknown_webhooks_and_deliveries_are_404(app: Harness):
    for method, path in (
        ("GET", "/v1/webhooks/wh_nope"),
        ("PATCH", "/v1/webhooks/wh_nope"),
        ("DELETE", "/v1/webhooks/wh_nope"),
        ("POST", "/v1/webhooks/wh_nope/secret"),
        ("GET", "/v1/webhooks/wh_nope/deliveries"),
        ("POST", "/v1/webhooks/wh_nope/ping"),
    ):
        response = app.call(method, path, json={})
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "webhook_not_found"
    hook = create(app)
    missing = app.call("POST", f"/v1/webhooks/{hook['id']}/deliveries/msg_nope/redeliver")
    assert missing.status_code == 404
    assert missing.json()["code"] == "delivery_not_found"


def test_rotate_gives_a_new_secret_once(app: Harness):
    hook = create(app)
    rotated = app.call("POST", f"/v1/webhooks/{hook['id']}/secret").json()
    assert rotated["object"] == "webhook.secret"
    assert rotated["id"] == hook["id"]
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != hook["secret"]
    assert "secret" not in app.call("GET", f"/v1/webhooks/{hook['id']}").json()


def test_a_change_is_one_delivery_per_subscribed_endpoint(app: Harness):
    every = create(app)
    renames = create(app, events=["model.updated"])
    disabled = create(app)
    app.call("PATCH", f"/v1/webhooks/{disabled['id']}", json={"enabled": False})
    card = app.register()
    app.call("PATCH", f"/v1/fine_tuning/models/{card['id']}", json={"name": "n"})
    events = {event["action"]: event["id"] for event in app.events()}
    found = outbox(app)
    # In audit order per endpoint (rows of one event for several endpoints in any order).
    assert sorted((row["event_id"], row["webhook_id"], row["action"]) for row in found) == sorted(
        [
            (events["model.registered"], every["id"], "model.registered"),
            (events["model.updated"], every["id"], "model.updated"),
            (events["model.updated"], renames["id"], "model.updated"),
        ]
    )
    assert {row["subject"] for row in found} == {card["id"]}
    mine = [row["event_id"] for row in found if row["webhook_id"] == every["id"]]
    assert mine == sorted(mine)


def test_an_endpoint_gets_the_events_while_it_was_enabled(app: Harness):
    """Events from its creation on; those before it was disabled, even if not yet read; none
    of those while it was disabled."""
    before = app.register()
    hook = create(app)
    during = app.register()
    # Disabled before the dispatcher (or anyone) has read the last event.
    app.call("PATCH", f"/v1/webhooks/{hook['id']}", json={"enabled": False})
    off = app.register()
    app.call("PATCH", f"/v1/webhooks/{hook['id']}", json={"enabled": True})
    after = app.register()
    subjects = [row["subject"] for row in outbox(app)]
    assert subjects == [during["id"], after["id"]]
    assert before["id"] not in subjects
    assert off["id"] not in subjects


def test_a_refused_change_writes_no_outbox_row(app: Harness):
    create(app)
    card = app.register()
    read_now(app)
    before = rows(app)
    refused = app.call(
        "PATCH",
        f"/v1/fine_tuning/models/{card['id']}",
        json={"name": "n"},
        headers={"If-Match": '"stale"'},
    )
    assert refused.status_code == 412
    missing = app.call("PATCH", "/v1/fine_tuning/models/ft:nope", json={"name": "n"})
    assert missing.status_code == 404
    assert len(rows(app)[1]) == len(before[1])


def test_the_delivery_log_ping_and_redeliver(app: Harness):
    hook = create(app)
    ping = app.call("POST", f"/v1/webhooks/{hook['id']}/ping")
    assert ping.status_code == 200
    delivery = ping.json()
    assert delivery["object"] == "webhook.delivery"
    assert delivery["type"] == "webhook.ping"
    assert delivery["event_id"] is None
    assert delivery["id"].startswith("msg_")
    log = app.call("GET", f"/v1/webhooks/{hook['id']}/deliveries").json()
    assert log["object"] == "list"
    assert [each["id"] for each in log["data"]] == [delivery["id"]]
    assert log["has_more"] is False
    again = app.call(
        "POST", f"/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver"
    ).json()
    assert again["id"] == delivery["id"]
    assert again["status"] == "pending"
    assert again["attempts"] == 0
    limited = app.call("GET", f"/v1/webhooks/{hook['id']}/deliveries?limit=0")
    assert limited.status_code == 422


def test_delete_removes_the_endpoint_and_its_deliveries(app: Harness):
    hook = create(app)
    app.register()
    deleted = app.call("DELETE", f"/v1/webhooks/{hook['id']}").json()
    assert deleted == {"object": "webhook", "id": hook["id"], "deleted": True}
    assert app.call("GET", f"/v1/webhooks/{hook['id']}").status_code == 404
    assert rows(app) == ([], [])
    app.register()
    read_now(app)
    assert rows(app) == ([], [])  # no endpoint: no delivery


def test_ended_deliveries_past_their_retention_are_pruned(app: Harness):
    hook = create(app)
    day_ms = 86_400_000
    now_ms = 40 * day_ms
    with app.store.write(revision=False) as tx:
        tx.conn.execute(sa.update(webhooks).values(enabled=False))
        for number, (status, age_days) in enumerate(
            [("delivered", 31), ("failed", 31), ("pending", 31), ("delivered", 29)]
        ):
            tx.conn.execute(
                sa.insert(webhook_deliveries).values(
                    id=f"msg_{number:032x}",
                    webhook_id=hook["id"],
                    action="model.updated",
                    subject=f"ft:{number}",
                    status=status,
                    attempts=1,
                    created_ms=now_ms - age_days * day_ms,
                    next_attempt_ms=0,
                    lease_until_ms=0,
                )
            )
    with app.store.write(revision=False) as tx:
        assert tx.webhooks.prune(now_ms - 30 * day_ms, limit=1) == 1
        assert tx.webhooks.prune(now_ms - 30 * day_ms, limit=10) == 1
        assert tx.webhooks.prune(now_ms - 30 * day_ms, limit=10) == 0
    left = [(row["status"], row["subject"]) for row in outbox(app)]
    assert left == [("pending", "ft:2"), ("delivered", "ft:3")]
