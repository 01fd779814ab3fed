"""`GET /v1/audit/events`: one event per acknowledged change, none for refused ones."""

from tests.support.app import Harness


def feed(app: Harness, **params) -> dict:
    response = app.call("GET", "/v1/audit/events", params=params)
    assert response.status_code == 200
    return response.json()


def test_each_acknowledged_change_is_one_event_in_order(app: Harness):
    card = app.register(name="a")
    model_id = card["id"]
    app.call("PATCH", f"/v1/fine_tuning/models/{model_id}", json={"name": "b"})
    app.call("PATCH", f"/v1/fine_tuning/models/{model_id}", json={"name": "x" * 300})  # refused
    app.call("POST", f"/v1/fine_tuning/models/{model_id}/archive")
    app.call("POST", f"/v1/fine_tuning/models/{model_id}/archive")  # no change
    app.call("DELETE", f"/v1/fine_tuning/models/{model_id}/archive")
    app.call("DELETE", f"/v1/models/{model_id}", headers={"If-Match": '"v1"'})  # refused: stale
    app.call("DELETE", f"/v1/models/{model_id}")
    events = feed(app, model_id=model_id)["data"]
    assert [event["action"] for event in events] == [
        "model.registered",
        "model.updated",
        "model.archived",
        "model.unarchived",
        "model.deleted",
    ]
    assert events[0]["before"] is None
    assert events[0]["after"]["name"] == "a"
    assert events[1]["before"]["name"] == "a"
    assert events[1]["after"]["name"] == "b"
    assert events[-1]["after"] is None
    assert [event["id"] for event in events] == sorted(event["id"] for event in events)


def test_the_feed_pages_with_after_and_filters_by_action(app: Harness):
    for _ in range(3):
        app.register()
    first = feed(app, limit=2, action="model.registered")
    assert len(first["data"]) == 2
    assert first["has_more"] is True
    rest = feed(app, after=first["last_id"], action="model.registered")
    assert len(rest["data"]) == 1
    assert rest["has_more"] is False
    empty = feed(app, after=rest["last_id"], action="model.registered")
    assert empty["data"] == []
    assert empty["last_id"] is None


def test_workspace_and_key_events_carry_no_secret(app: Harness):
    workspace = app.workspace("audited")
    secret = app.key("read", workspace["id"])
    events = feed(app)["data"]
    actions = [event["action"] for event in events]
    assert "workspace.created" in actions
    assert "api_key.created" in actions
    assert secret not in repr(events)


def test_only_admin_keys_read_the_feed(app: Harness):
    response = app.call("GET", "/v1/audit/events", app.key("write"))
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
