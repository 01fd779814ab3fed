"""Update, archive, unarchive, delete: merge patch, idempotence, tombstones, ETags, audit."""

import pytest

from tests.support.app import Harness


def path(model_id: str, suffix: str = "") -> str:
    return f"/v1/fine_tuning/models/{model_id}{suffix}"


def test_update_is_a_merge_patch(app: Harness):
    card = app.register(name="old", description="keep me")
    response = app.call("PATCH", path(card["id"]), json={"name": "new"})
    assert response.status_code == 200
    out = response.json()
    assert (out["name"], out["description"]) == ("new", "keep me")
    cleared = app.call("PATCH", path(card["id"]), json={"description": None}).json()
    assert (cleared["name"], cleared["description"]) == ("new", None)
    assert app.call("GET", f"/v1/models/{card['id']}").json()["description"] is None


def test_update_answers_the_fine_tuned_model_shape(app: Harness):
    card = app.register()
    out = app.call("PATCH", path(card["id"]), json={}).json()
    me = app.call("GET", "/v1/me").json()
    assert out["model_type"] == "completion"
    assert out["workspace_id"] == me["workspace_id"]
    assert out["root_version"] == "2506"  # the catalog's version of mistral-small-2506
    assert set(out["capabilities"]) == {
        "completion_chat", "completion_fim", "function_calling", "fine_tuning", "classification",
    }  # fmt: skip
    assert out["job"] == card["job"]


def test_root_version_falls_back_to_the_root_id(app: Harness):
    card = app.register(root="open-mistral-7b")
    assert app.call("PATCH", path(card["id"]), json={}).json()["root_version"] == "open-mistral-7b"


def test_an_empty_patch_changes_nothing_and_records_no_event(app: Harness):
    card = app.register(name="same")
    before = app.snapshot()
    assert app.call("PATCH", path(card["id"]), json={}).status_code == 200
    assert app.call("PATCH", path(card["id"]), json={"name": "same"}).status_code == 200
    assert app.snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 257},
        {"description": "x" * 10_001},
        {"name": 5},
        {"archived": True},
        {"owned_by": "me"},
        {"job": "00000000-0000-0000-0000-000000000000"},
        {"root": "open-mistral-7b"},
        {"id": "ft:other"},
        {"type": "base"},
        ["name"],
    ],
)
def test_invalid_patches_are_422_and_change_nothing(app: Harness, body):
    card = app.register(name="n")
    before = app.snapshot()
    response = app.call("PATCH", path(card["id"]), json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    assert app.snapshot() == before


def test_limits_are_inclusive(app: Harness):
    card = app.register()
    response = app.call(
        "PATCH", path(card["id"]), json={"name": "x" * 256, "description": "d" * 10_000}
    )
    assert response.status_code == 200


def test_malformed_json_is_422(app: Harness):
    card = app.register()
    before = app.snapshot()
    response = app.call(
        "PATCH",
        path(card["id"]),
        content=b'{"name": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert app.snapshot() == before


def test_archive_and_unarchive_are_idempotent(app: Harness):
    card = app.register()
    first = app.call("POST", path(card["id"], "/archive"))
    second = app.call("POST", path(card["id"], "/archive"))
    assert first.json() == second.json() == {"id": card["id"], "object": "model", "archived": True}
    assert first.headers["etag"] == second.headers["etag"]
    assert app.call("GET", f"/v1/models/{card['id']}").json()["archived"] is True
    undone = app.call("DELETE", path(card["id"], "/archive"))
    assert undone.json() == {"id": card["id"], "object": "model", "archived": False}
    assert app.call("DELETE", path(card["id"], "/archive")).status_code == 200
    assert [event["action"] for event in app.events() if event["model_id"] == card["id"]] == [
        "model.registered",
        "model.archived",
        "model.unarchived",
    ]


def test_delete_tombstones_the_model(app: Harness):
    card = app.register()
    response = app.call("DELETE", f"/v1/models/{card['id']}")
    assert response.json() == {"id": card["id"], "object": "model", "deleted": True}
    assert app.call("GET", f"/v1/models/{card['id']}").status_code == 404
    assert card["id"] not in [entry["id"] for entry in app.call("GET", "/v1/models").json()["data"]]
    assert app.call("DELETE", f"/v1/models/{card['id']}").status_code == 404
    assert app.call("PATCH", path(card["id"]), json={"name": "x"}).status_code == 404
    deleted = app.events("model.deleted")
    assert len(deleted) == 1
    assert deleted[0]["before"]["id"] == card["id"]
    assert deleted[0]["after"] is None


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("PATCH", ""), ("POST", "/archive"), ("DELETE", "/archive")],
)
def test_base_models_are_immutable(app: Harness, method, suffix):
    before = app.snapshot()
    response = app.call(method, path("mistral-small-latest", suffix), json={})
    assert response.status_code == 403
    assert response.json()["code"] == "base_model_immutable"
    delete = app.call("DELETE", "/v1/models/mistral-small-2506")
    assert delete.status_code == 403
    assert app.snapshot() == before


def test_etag_is_the_same_for_the_same_state_on_every_endpoint(app: Harness):
    card = app.register()
    retrieved = app.call("GET", f"/v1/models/{card['id']}").headers["etag"]
    patched = app.call("PATCH", path(card["id"]), json={}).headers["etag"]
    assert retrieved == patched
    renamed = app.call("PATCH", path(card["id"]), json={"name": "n"}).headers["etag"]
    assert renamed != retrieved
    assert app.call("GET", f"/v1/models/{card['id']}").headers["etag"] == renamed


def test_if_match_guards_every_change(app: Harness):
    card = app.register()
    etag = app.call("GET", f"/v1/models/{card['id']}").headers["etag"]
    stale = '"v999"'
    before = app.snapshot()
    for method, url in [
        ("PATCH", path(card["id"])),
        ("POST", path(card["id"], "/archive")),
        ("DELETE", path(card["id"], "/archive")),
        ("DELETE", f"/v1/models/{card['id']}"),
    ]:
        response = app.call(
            method,
            url,
            json={"name": "z"} if method == "PATCH" else None,
            headers={"If-Match": stale},
        )
        assert response.status_code == 412, (method, url)
        assert response.json()["code"] == "precondition_failed"
    assert app.snapshot() == before
    ok = app.call("PATCH", path(card["id"]), json={"name": "z"}, headers={"If-Match": etag})
    assert ok.status_code == 200
    assert (
        app.call(
            "PATCH", path(card["id"]), json={"name": "y"}, headers={"If-Match": etag}
        ).status_code
        == 412
    )


def test_each_change_is_one_audit_event_with_before_and_after(app: Harness):
    card = app.register(name="a")
    response = app.call(
        "PATCH", path(card["id"]), json={"name": "b"}, headers={"x-request-id": "req-42"}
    )
    assert response.status_code == 200
    (event,) = app.events("model.updated")
    me = app.call("GET", "/v1/me").json()
    assert event["model_id"] == card["id"]
    assert event["actor_key_id"] == me["id"]
    assert event["before"]["name"] == "a"
    assert event["after"]["name"] == "b"
    assert event["request_id"] == "req-42"
