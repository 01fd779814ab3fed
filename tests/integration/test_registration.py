"""Registration: `POST /v1/fine_tuning/models` (CONTRACT.md section 4)."""

import datetime as dt
import re
import uuid

from tests.support.app import Harness


def test_registration_answers_201_with_location_and_the_fine_tuned_card(app: Harness):
    key = app.key()
    me = app.call("GET", "/v1/me", key).json()
    workspaces = {ws["id"]: ws for ws in app.call("GET", "/v1/workspaces").json()["data"]}
    workspace_tag = workspaces[me["workspace_id"]]["tag"]
    job = str(uuid.uuid4())
    response = app.call(
        "POST", "/v1/fine_tuning/models", key, json={"root": "mistral-small-latest", "job": job}
    )
    assert response.status_code == 201
    card = response.json()
    day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    assert card["id"] == f"ft:mistral-small-2506:{workspace_tag}:{day}:{job[:8]}"
    assert response.headers["location"] == f"/v1/models/{card['id']}"
    assert response.headers["etag"]
    assert card["type"] == "fine-tuned"
    assert card["root"] == "mistral-small-2506"
    assert card["job"] == job
    assert card["archived"] is False
    assert card["aliases"] == []
    assert card["max_context_length"] == 131072
    assert card["owned_by"] == me["organization_id"]
    assert app.call("GET", response.headers["location"], key).json() == card


def test_capabilities_default_to_the_roots_without_fine_tuning(app: Harness):
    card = app.register(root="mistral-small-2506", capabilities={"reasoning": True})
    flags = card["capabilities"]
    assert flags["vision"] is True
    assert flags["function_calling"] is True
    assert flags["fine_tuning"] is False
    assert flags["reasoning"] is True


def test_suffix_is_the_default_name_and_an_explicit_null_name_wins(app: Harness):
    assert app.register(suffix="support-bot")["name"] == "support-bot"
    assert app.register(suffix="support-bot", name=None)["name"] is None
    assert app.register(suffix="x", name="Named")["name"] == "Named"


def test_classifier_ids_and_update_shape(app: Harness):
    card = app.register(
        model_type="classifier",
        classifier_targets=[{"name": "tone", "labels": ["calm", "angry"]}],
    )
    assert card["id"].startswith("ft:classifier:mistral-small-2506:")
    assert card["capabilities"]["classification"] is True
    out = app.call("PATCH", f"/v1/fine_tuning/models/{card['id']}", json={}).json()
    assert out["model_type"] == "classifier"
    assert out["classifier_targets"] == [
        {
            "name": "tone",
            "labels": ["calm", "angry"],
            "weight": 1.0,
            "loss_function": "single_class",
        }
    ]


def test_replaying_a_job_with_the_same_body_answers_200_with_the_same_card(app: Harness):
    body = {"root": "mistral-small-2506", "job": str(uuid.uuid4()), "name": "n"}
    first = app.call("POST", "/v1/fine_tuning/models", json=body)
    again = app.call("POST", "/v1/fine_tuning/models", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(app.events("model.registered")) == 1


def test_the_same_job_with_another_body_is_a_conflict(app: Harness):
    job = str(uuid.uuid4())
    app.register(job=job, name="a")
    before = app.snapshot()
    response = app.call(
        "POST",
        "/v1/fine_tuning/models",
        json={"root": "mistral-small-2506", "job": job, "name": "b"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "model_exists"
    assert app.snapshot() == before


def test_the_job_of_a_deleted_model_is_refused(app: Harness):
    job = str(uuid.uuid4())
    card = app.register(job=job)
    assert app.call("DELETE", f"/v1/models/{card['id']}").status_code == 200
    response = app.call(
        "POST", "/v1/fine_tuning/models", json={"root": "mistral-small-2506", "job": job}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "model_deleted"


def test_an_unknown_root_is_404_and_nothing_is_written(app: Harness):
    before = app.snapshot()
    response = app.call("POST", "/v1/fine_tuning/models", json={"root": "gpt-nothing"})
    assert response.status_code == 404
    assert response.json()["code"] == "model_not_found"
    assert response.json()["param"] == "root"
    assert app.snapshot() == before


def test_invalid_registrations_are_422_and_change_nothing(app: Harness):
    before = app.snapshot()
    bad_bodies = [
        {},
        {"root": "mistral-small-2506", "colour": "blue"},
        {"root": "mistral-small-2506", "job": "not-a-uuid"},
        {"root": "mistral-small-2506", "suffix": "Has Spaces"},
        {"root": "mistral-small-2506", "suffix": "x" * 19},
        {"root": "mistral-small-2506", "model_type": "classifier"},
        {"root": "mistral-small-2506", "capabilities": {"telepathy": True}},
        {"root": "mistral-small-2506", "capabilities": {"vision": "yes"}},
        {"root": "mistral-small-2506", "max_context_length": 0},
        {"root": 7},
        {"root": "mistral-small-2506", "name": "x" * 257},
    ]
    for body in bad_bodies:
        response = app.call("POST", "/v1/fine_tuning/models", json=body)
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], list), body
    assert app.snapshot() == before


def test_registered_ids_follow_the_documented_pattern(app: Harness):
    card = app.register(root="meta-llama/Llama-3.1-8B-Instruct")
    assert re.fullmatch(
        r"ft:meta-llama/Llama-3\.1-8B-Instruct:[0-9a-f]{8}:\d{8}:[0-9a-f]{8}", card["id"]
    )
