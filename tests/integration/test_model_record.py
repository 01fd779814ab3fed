"""The model record (CONTRACT.md section 7): labels, the artifact and aliases, on both dialects.

Every refused request is checked to leave the store (models, audit events) as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.app import Harness

SHA = "sha256:" + "ab" * 32
ARTIFACT = {
    "uri": "s3://weights/support-bot/v3/",
    "format": "safetensors",
    "digest": SHA,
    "size_bytes": 14_483_464_192,
    "parameter_count": 7_241_732_096,
    "quantization": "bf16",
    "adapter": False,
}


def patch(app: Harness, key: str, model_id: str, body: Any, **headers: str) -> Any:
    return app.call("PATCH", f"/v1/fine_tuning/models/{model_id}", key, json=body, headers=headers)


def refused(app: Harness, status: int, method: str, path: str, key: str, **kwargs: Any) -> Any:
    before = app.snapshot()
    response = app.call(method, path, key, **kwargs)
    assert response.status_code == status, response.text
    assert app.snapshot() == before
    return response.json()


def types_of(body: dict[str, Any]) -> list[str]:
    return [item["type"] for item in body["detail"]]


# --- labels ------------------------------------------------------------------------------------


def test_labels_are_set_at_registration_and_shown_sorted_on_every_card(app: Harness):
    key = app.key()
    card = app.register(key, labels={"team": "search", "stage": "dev"})
    assert card["labels"] == {"stage": "dev", "team": "search"}
    assert list(card["labels"]) == ["stage", "team"]
    assert app.call("GET", f"/v1/models/{card['id']}", key).json()["labels"] == card["labels"]
    listed = app.call("GET", "/v1/models?type=fine-tuned", key).json()["data"]
    assert [entry["labels"] for entry in listed] == [card["labels"]]


def test_labels_patch_is_a_json_merge_patch(app: Harness):
    key = app.key()
    card = app.register(key, labels={"stage": "dev", "old": "x", "team": "a"})
    response = patch(app, key, card["id"], {"labels": {"stage": "prod", "old": None, "new": ""}})
    assert response.status_code == 200, response.text
    assert response.json()["labels"] == {"new": "", "stage": "prod", "team": "a"}
    (event,) = app.events("model.updated")
    assert event["before"]["labels"] == {"old": "x", "stage": "dev", "team": "a"}
    assert event["after"]["labels"] == {"new": "", "stage": "prod", "team": "a"}
    cleared = patch(app, key, card["id"], {"labels": None})
    assert cleared.json()["labels"] == {}


def test_a_labels_patch_that_changes_nothing_writes_nothing(app: Harness):
    key = app.key()
    card = app.register(key, labels={"stage": "dev"})
    etag = app.call("GET", f"/v1/models/{card['id']}", key).headers["etag"]
    before = app.snapshot()
    response = patch(app, key, card["id"], {"labels": {"stage": "dev", "absent": None}})
    assert response.status_code == 200
    assert response.headers["etag"] == etag
    assert app.snapshot() == before


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        ({"x" * 64: "v"}, "string_pattern_mismatch"),
        ({"Team": "v"}, "string_pattern_mismatch"),
        ({"team-": "v"}, "string_pattern_mismatch"),
        ({"-team": "v"}, "string_pattern_mismatch"),
        ({"": "v"}, "string_pattern_mismatch"),
        ({"team": "v" * 257}, "string_too_long"),
        ({"team": "a\nb"}, "string_pattern_mismatch"),
        ({"team": "a\x00b"}, "string_pattern_mismatch"),
        ({"team": 1}, "string_type"),
        ({f"k{i}": "v" for i in range(65)}, "too_long"),
    ],
)
def test_labels_over_their_limits_are_422_and_store_nothing(
    app: Harness, labels: dict[str, Any], error: str
):
    key = app.key()
    body = {"root": "mistral-small-2506", "labels": labels}
    assert error in types_of(refused(app, 422, "POST", "/v1/fine_tuning/models", key, json=body))
    card = app.register(key)
    path = f"/v1/fine_tuning/models/{card['id']}"
    assert error in types_of(refused(app, 422, "PATCH", path, key, json={"labels": labels}))


def test_the_63_character_key_and_64_labels_are_the_limits(app: Harness):
    key = app.key()
    labels = {f"k{i}": "v" * 256 for i in range(63)} | {"a" + "b" * 61 + "c": ""}
    card = app.register(key, labels=labels)
    assert len(card["labels"]) == 64
    body = refused(
        app, 422, "PATCH", f"/v1/fine_tuning/models/{card['id']}", key, json={"labels": {"x": "y"}}
    )
    assert body["detail"][0]["loc"] == ["body", "labels"]
    assert "64" in body["detail"][0]["msg"]
    swapped = patch(app, key, card["id"], {"labels": {"k0": None, "x": "y"}})
    assert swapped.status_code == 200
    assert len(swapped.json()["labels"]) == 64


def test_the_label_filter_keeps_models_with_the_key_or_the_key_and_value(app: Harness):
    key = app.key()
    prod = app.register(key, labels={"stage": "prod", "team": "x"})["id"]
    dev = app.register(key, labels={"stage": "dev", "team": "x"})["id"]
    bare = app.register(key)["id"]

    def ids(query: str) -> list[str]:
        response = app.call("GET", f"/v1/models?type=fine-tuned&{query}", key)
        assert response.status_code == 200, response.text
        return sorted(entry["id"] for entry in response.json()["data"])

    assert ids("label=stage=prod") == [prod]
    assert ids("label=stage") == sorted([prod, dev])
    assert ids("label=team=x&label=stage=dev") == [dev]
    assert ids("label=team=y") == []
    assert ids("label=stage=") == []
    assert bare not in ids("label=team")
    # With paging and the other filters.
    first = app.call("GET", "/v1/models?type=fine-tuned&label=team&limit=1", key).json()
    assert first["has_more"] is True
    rest = app.call(
        "GET", f"/v1/models?type=fine-tuned&label=team&limit=1&after={first['last_id']}", key
    ).json()
    assert sorted([first["data"][0]["id"], rest["data"][0]["id"]]) == sorted([prod, dev])
    assert rest["has_more"] is False
    assert ids("label=team&archived=false&q=ft:") == sorted([prod, dev])


def test_the_label_filter_follows_changes_and_never_crosses_workspaces(app: Harness):
    key, stranger = app.key(), app.key()
    model = app.register(key, labels={"stage": "dev"})["id"]
    app.register(stranger, labels={"stage": "prod"})
    assert patch(app, key, model, {"labels": {"stage": "prod"}}).status_code == 200
    found = app.call("GET", "/v1/models?type=fine-tuned&label=stage=prod", key).json()["data"]
    assert [entry["id"] for entry in found] == [model]
    assert app.call("GET", "/v1/models?label=stage=dev&type=fine-tuned", key).json()["data"] == []


def test_base_models_carry_the_catalogs_labels_and_artifact_and_filter_by_them(app: Harness):
    card = app.call("GET", "/v1/models/mistral-small-2506").json()
    assert card["labels"] == {"family": "mistral-small", "license": "apache-2.0"}
    assert card["artifact"]["uri"] == "hf://mistralai/Mistral-Small-3.2-24B-Instruct-2506"
    assert card["artifact"]["digest"] is None
    tiny = app.call("GET", "/v1/models/open-mistral-7b").json()
    assert (tiny["labels"], tiny["artifact"]) == ({}, None)
    entries = app.call("GET", "/v1/models?label=family=mistral-small&type=base").json()["data"]
    assert {entry["id"] for entry in entries} == {"mistral-small-2506", "mistral-small-latest"}


@pytest.mark.parametrize("selector", ["Bad", "a=b\x01", "-x", "k=" + "v" * 257])
def test_malformed_label_filters_are_422(app: Harness, selector: str):
    response = app.call("GET", "/v1/models", params={"label": selector})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["query", "label"]


# --- the artifact ------------------------------------------------------------------------------


def test_an_artifact_is_registered_and_shown_with_every_key(app: Harness):
    key = app.key()
    card = app.register(key, artifact={"uri": "hf://acme/bot", "adapter": True})
    assert card["artifact"] == {
        "uri": "hf://acme/bot", "format": None, "digest": None, "size_bytes": None,
        "parameter_count": None, "quantization": None, "adapter": True,
    }  # fmt: skip
    full = app.register(key, artifact=ARTIFACT)
    assert full["artifact"] == ARTIFACT
    assert app.call("GET", f"/v1/models/{full['id']}", key).json()["artifact"] == ARTIFACT


def test_the_artifact_patch_merges_inside_the_object(app: Harness):
    key = app.key()
    card = app.register(key, artifact=ARTIFACT)
    response = patch(app, key, card["id"], {"artifact": {"quantization": None, "format": "gguf"}})
    assert response.status_code == 200, response.text
    assert response.json()["artifact"] == {**ARTIFACT, "quantization": None, "format": "gguf"}
    moved = patch(app, key, card["id"], {"artifact": {"uri": "gs://b/o"}})
    assert moved.json()["artifact"]["uri"] == "gs://b/o"
    assert moved.json()["artifact"]["digest"] == SHA
    assert patch(app, key, card["id"], {"artifact": None}).json()["artifact"] is None


def test_an_artifact_without_a_uri_is_refused(app: Harness):
    key = app.key()
    card = app.register(key)
    body = refused(
        app, 422, "PATCH", f"/v1/fine_tuning/models/{card['id']}", key,
        json={"artifact": {"digest": SHA}},
    )  # fmt: skip
    assert body["detail"][0]["loc"] == ["body", "artifact", "uri"]
    app.register(key, artifact=ARTIFACT)
    with_artifact = app.register(key, artifact=ARTIFACT)["id"]
    body = refused(
        app, 422, "PATCH", f"/v1/fine_tuning/models/{with_artifact}", key,
        json={"artifact": {"uri": None}},
    )  # fmt: skip
    assert body["detail"][0]["loc"] == ["body", "artifact", "uri"]
    body = {"root": "mistral-small-2506", "artifact": {"format": "gguf"}}
    refused(app, 422, "POST", "/v1/fine_tuning/models", key, json=body)


@pytest.mark.parametrize(
    "uri",
    [
        "s3://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI@bucket/weights",
        "https://user@host.example/weights.gguf",
        "https://user:pass@host.example/weights.gguf",
        "https://bucket.s3.amazonaws.com/w.gguf?X-Amz-Algorithm=AWS4&X-Amz-Signature=abc",
        "https://storage.googleapis.com/b/w.gguf?X-Goog-Signature=abc&X-Goog-Credential=x",
        "https://acct.blob.core.windows.net/c/w.gguf?sv=2022-11-02&sig=abc%3D",
        "https://d111111abcdef8.cloudfront.net/w.gguf?Signature=abc&Key-Pair-Id=K",
    ],
)
def test_a_uri_carrying_credentials_is_refused_and_never_stored(app: Harness, uri: str):
    key = app.key()
    body = {"root": "mistral-small-2506", "artifact": {"uri": uri}}
    refusal = refused(app, 422, "POST", "/v1/fine_tuning/models", key, json=body)
    (item,) = refusal["detail"]
    assert item["type"] == "credentials_in_uri"
    assert item["loc"] == ["body", "artifact", "uri"]
    assert "credentials" in item["msg"]
    card = app.register(key)
    refusal = refused(
        app, 422, "PATCH", f"/v1/fine_tuning/models/{card['id']}", key,
        json={"artifact": {"uri": uri}},
    )  # fmt: skip
    assert refusal["detail"][0]["type"] == "credentials_in_uri"


@pytest.mark.parametrize(
    ("artifact", "error"),
    [
        ({"uri": "ftp://host/w"}, "uri_scheme"),
        ({"uri": "weights.gguf"}, "uri_scheme"),
        ({"uri": "s3://b/" + "k" * 2048}, "string_too_long"),
        ({"uri": "s3://b/k", "digest": "sha256:ABC"}, "string_pattern_mismatch"),
        ({"uri": "s3://b/k", "digest": "md5:" + "a" * 32}, "string_pattern_mismatch"),
        ({"uri": "s3://b/k", "size_bytes": -1}, "greater_than_equal"),
        ({"uri": "s3://b/k", "size_bytes": "12"}, "int_type"),
        ({"uri": "s3://b/k", "format": "zip"}, "literal_error"),
        ({"uri": "s3://b/k", "quantization": "q" * 33}, "string_too_long"),
        ({"uri": "s3://b/k", "adapter": "yes"}, "bool_type"),
        ({"uri": "s3://b/k", "extra": 1}, "extra_forbidden"),
    ],
)
def test_malformed_artifacts_are_422(app: Harness, artifact: dict[str, Any], error: str):
    body = {"root": "mistral-small-2506", "artifact": artifact}
    refusal = refused(app, 422, "POST", "/v1/fine_tuning/models", app.key(), json=body)
    assert error in types_of(refusal)


# --- aliases -----------------------------------------------------------------------------------


def put_alias(app: Harness, key: str, name: str, model: str, **headers: str) -> Any:
    return app.call("PUT", f"/v1/aliases/{name}", key, json={"model": model}, headers=headers)


def test_an_alias_stands_for_its_model_through_mistrals_api(app: Harness):
    key = app.key()
    model = app.register(key, name="bot", labels={"stage": "prod"})
    response = put_alias(app, key, "support-bot-prod", model["id"])
    assert response.status_code == 200, response.text
    alias = response.json()
    assert alias == {
        "object": "alias", "id": "support-bot-prod", "model": model["id"],
        "workspace_id": alias["workspace_id"], "updated": alias["updated"],
    }  # fmt: skip
    assert response.headers["etag"] == '"a1"'
    by_alias = app.call("GET", "/v1/models/support-bot-prod", key)
    card = by_alias.json()
    assert card["id"] == "support-bot-prod"
    assert card["aliases"] == [model["id"]]
    assert (card["name"], card["root"], card["labels"]) == ("bot", model["root"], model["labels"])
    own = app.call("GET", f"/v1/models/{model['id']}", key)
    assert own.json()["aliases"] == ["support-bot-prod"]
    assert by_alias.headers["etag"] == own.headers["etag"]
    entries = app.call("GET", "/v1/models?type=fine-tuned", key).json()["data"]
    assert [entry["id"] for entry in entries] == [model["id"], "support-bot-prod"]
    assert app.call("GET", "/v1/aliases", key).json() == {"object": "list", "data": [alias]}
    got = app.call("GET", "/v1/aliases/support-bot-prod", key)
    assert (got.json(), got.headers["etag"]) == (alias, '"a1"')


def test_an_alias_entry_lists_the_models_other_names(app: Harness):
    key = app.key()
    model = app.register(key)["id"]
    for name in ("b-prod", "a-canary"):
        assert put_alias(app, key, name, model).status_code == 200
    assert app.call("GET", f"/v1/models/{model}", key).json()["aliases"] == ["a-canary", "b-prod"]
    assert app.call("GET", "/v1/models/b-prod", key).json()["aliases"] == [model, "a-canary"]
    page = app.call("GET", "/v1/models?type=fine-tuned&limit=2", key).json()
    assert [entry["id"] for entry in page["data"]] == ["a-canary", "b-prod"]
    assert page["has_more"] is True
    rest = app.call("GET", "/v1/models?type=fine-tuned&limit=2&after=b-prod", key).json()
    assert [entry["id"] for entry in rest["data"]] == [model]
    assert app.call("GET", "/v1/models?q=canary", key).json()["data"][0]["id"] == "a-canary"


def test_moving_an_alias_is_one_audited_change_and_updates_both_cards(app: Harness):
    key = app.key()
    old, new = app.register(key)["id"], app.register(key)["id"]
    first = put_alias(app, key, "prod", old)
    moved = put_alias(app, key, "prod", new, **{"If-Match": first.headers["etag"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["model"], moved.headers["etag"]) == (new, '"a2"')
    assert app.call("GET", f"/v1/models/{old}", key).json()["aliases"] == []
    assert app.call("GET", f"/v1/models/{new}", key).json()["aliases"] == ["prod"]
    assert app.call("GET", "/v1/models/prod", key).json()["aliases"] == [new]
    created, move = app.events("alias.set")
    assert (created["before"], created["after"]["model"]) == (None, old)
    assert (move["before"]["model"], move["after"]["model"], move["model_id"]) == (old, new, new)
    before = app.snapshot()
    again = put_alias(app, key, "prod", new)  # already there: no change, no event
    assert (again.status_code, again.headers["etag"]) == (200, '"a2"')
    assert app.snapshot() == before


def test_two_promotions_with_the_same_if_match_cannot_cross(app: Harness):
    key = app.key()
    a, b, c = (app.register(key)["id"] for _ in range(3))
    etag = put_alias(app, key, "prod", a).headers["etag"]
    assert put_alias(app, key, "prod", b, **{"If-Match": etag}).status_code == 200
    body = refused(app, 412, "PUT", "/v1/aliases/prod", key, json={"model": c},
                   headers={"If-Match": etag})  # fmt: skip
    assert body["code"] == "precondition_failed"
    assert app.call("GET", "/v1/aliases/prod", key).json()["model"] == b
    refused(app, 412, "PUT", "/v1/aliases/prod", key, json={"model": c},
            headers={"If-None-Match": "*"})  # fmt: skip
    refused(app, 412, "PUT", "/v1/aliases/new", key, json={"model": c},
            headers={"If-Match": '"a1"'})  # fmt: skip


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("mistral-small-2506", 409, "alias_conflict"),
        ("mistral-small-latest", 409, "alias_conflict"),
        ("meta-llama", 200, None),
        ("ft:mine", 422, "string_pattern_mismatch"),
        ("Prod", 422, "string_pattern_mismatch"),
        ("-prod", 422, "string_pattern_mismatch"),
        ("p" * 65, 422, "string_pattern_mismatch"),
    ],
)
def test_alias_names_never_shadow_a_base_model(app: Harness, name: str, status: int, code: Any):
    key = app.key()
    model = app.register(key)["id"]
    if status == 200:
        assert put_alias(app, key, name, model).status_code == 200
        return
    body = refused(app, status, "PUT", f"/v1/aliases/{name}", key, json={"model": model})
    assert (body["detail"][0]["type"] if status == 422 else body["code"]) == code


def test_an_alias_names_a_fine_tuned_model_of_its_own_workspace_only(app: Harness):
    key, stranger = app.key(), app.key()
    theirs = app.register(stranger)["id"]
    mine = app.register(key)["id"]
    for target in (theirs, "mistral-small-2506", "ft:nope", "prod"):
        refused(app, 404, "PUT", "/v1/aliases/prod", key, json={"model": target})
    assert put_alias(app, key, "prod", mine).status_code == 200
    # Another workspace may use the same name for its own model; neither sees the other's.
    assert put_alias(app, stranger, "prod", theirs).status_code == 200
    assert app.call("GET", "/v1/models/prod", key).json()["aliases"] == [mine]
    assert app.call("GET", "/v1/models/prod", stranger).json()["aliases"] == [theirs]
    assert app.call("GET", "/v1/models/prod", app.key()).status_code == 404
    assert app.call("GET", "/v1/aliases/prod", app.key()).status_code == 404


def test_deleting_an_aliased_model_is_refused_naming_the_aliases(app: Harness):
    key = app.key()
    model = app.register(key)["id"]
    put_alias(app, key, "prod", model)
    put_alias(app, key, "canary", model)
    body = refused(app, 409, "DELETE", f"/v1/models/{model}", key)
    assert body["code"] == "model_has_aliases"
    assert "canary, prod" in body["message"]
    for name in ("prod", "canary"):
        deleted = app.call("DELETE", f"/v1/aliases/{name}", key)
        assert deleted.json() == {"object": "alias", "id": name, "deleted": True}
    assert app.call("DELETE", f"/v1/models/{model}", key).status_code == 200
    assert [event["before"]["id"] for event in app.events("alias.deleted")] == ["prod", "canary"]


def test_archiving_keeps_the_alias(app: Harness):
    key = app.key()
    model = app.register(key)["id"]
    put_alias(app, key, "prod", model)
    app.call("POST", f"/v1/fine_tuning/models/{model}/archive", key)
    assert app.call("GET", "/v1/models/prod", key).json()["archived"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/v1/fine_tuning/models/prod"),
        ("POST", "/v1/fine_tuning/models/prod/archive"),
        ("DELETE", "/v1/fine_tuning/models/prod/archive"),
        ("DELETE", "/v1/models/prod"),
    ],
)
def test_writes_addressed_to_an_alias_are_refused(app: Harness, method: str, path: str):
    key = app.key()
    model = app.register(key)["id"]
    put_alias(app, key, "prod", model)
    body = refused(app, 409, method, path, key, json={"name": "x"})
    assert body["code"] == "alias_not_model"
    assert model in body["message"]


def test_a_read_key_sees_aliases_and_cannot_move_them(app: Harness):
    writer = app.key()
    workspace = app.call("GET", "/v1/me", writer).json()["workspace_id"]
    reader = app.key("read", workspace)
    model = app.register(writer)["id"]
    put_alias(app, writer, "prod", model)
    assert app.call("GET", "/v1/aliases/prod", reader).status_code == 200
    refused(app, 403, "PUT", "/v1/aliases/prod", reader, json={"model": model})
    refused(app, 403, "DELETE", "/v1/aliases/prod", reader)
    refused(app, 404, "DELETE", "/v1/aliases/nope", writer)
