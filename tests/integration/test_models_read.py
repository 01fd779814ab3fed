"""List and retrieve: the Mistral semantics of base models, aliases, and visibility."""

from tests.support.app import Harness


def ids(response):
    return [entry["id"] for entry in response.json()["data"]]


def test_list_is_an_object_with_base_entries_in_catalog_order_then_aliases(app: Harness):
    response = app.call("GET", "/v1/models")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "list"
    assert ids(response) == [
        "mistral-small-2506",
        "mistral-small-latest",
        "open-mistral-7b",
        "mistral-tiny",
        "mistral-tiny-2312",
        "codestral-2508",
        "codestral-latest",
        "meta-llama/Llama-3.1-8B-Instruct",
        "llama-3.1-8b",
    ]


def test_alias_entry_names_the_canonical_model_and_lists_the_other_names(app: Harness):
    entries = {entry["id"]: entry for entry in app.call("GET", "/v1/models").json()["data"]}
    alias = entries["mistral-tiny"]
    assert alias["name"] == "open-mistral-7b"
    assert alias["aliases"] == ["open-mistral-7b", "mistral-tiny-2312"]
    canonical = entries["open-mistral-7b"]
    assert canonical["name"] == "open-mistral-7b"
    assert canonical["aliases"] == ["mistral-tiny", "mistral-tiny-2312"]
    assert canonical["deprecation"] == "2025-03-30T12:00:00Z"
    assert canonical["deprecation_replacement_model"] == "mistral-small-2506"


def test_base_card_has_every_key_and_all_fourteen_capability_flags(app: Harness):
    card = app.call("GET", "/v1/models/mistral-small-2506").json()
    assert set(card) == {
        "id", "object", "created", "owned_by", "capabilities", "name", "description",
        "max_context_length", "aliases", "deprecation", "deprecation_replacement_model",
        "default_model_temperature", "type", "labels", "artifact",
    }  # fmt: skip
    assert card["object"] == "model"
    assert card["type"] == "base"
    assert card["owned_by"] == "mistralai"
    assert card["created"] == 1750377600  # 2025-06-20 in the test catalog
    assert len(card["capabilities"]) == 14
    assert card["capabilities"]["vision"] is True
    assert card["capabilities"]["ocr"] is False
    assert card["default_model_temperature"] == 0.3


def test_retrieve_by_alias_answers_with_the_alias_as_id(app: Harness):
    card = app.call("GET", "/v1/models/mistral-small-latest").json()
    assert card["id"] == "mistral-small-latest"
    assert card["name"] == "mistral-small-2506"
    assert card["aliases"] == ["mistral-small-2506"]


def test_base_models_carry_no_etag(app: Harness):
    assert "etag" not in app.call("GET", "/v1/models/mistral-small-2506").headers


def test_id_with_a_slash_resolves_raw_and_percent_encoded(app: Harness):
    raw = app.call("GET", "/v1/models/meta-llama/Llama-3.1-8B-Instruct")
    encoded = app.call("GET", "/v1/models/meta-llama%2FLlama-3.1-8B-Instruct")
    assert raw.status_code == encoded.status_code == 200
    assert raw.json() == encoded.json()
    assert raw.json()["owned_by"] == "meta-llama"


def test_list_shows_fine_tuned_models_after_base_newest_first_archived_included(app: Harness):
    key = app.key()
    first = app.register(key, suffix="first")
    second = app.register(key, suffix="second")
    app.call("POST", f"/v1/fine_tuning/models/{first['id']}/archive", key)
    data = app.call("GET", "/v1/models", key).json()["data"]
    tuned = [entry for entry in data if entry["type"] == "fine-tuned"]
    assert data[-2:] == tuned
    assert {entry["id"] for entry in tuned} == {first["id"], second["id"]}
    assert next(entry for entry in tuned if entry["id"] == first["id"])["archived"] is True


def test_another_workspace_never_sees_a_model_in_list_or_retrieve(app: Harness):
    owner, stranger = app.key(), app.key()
    model = app.register(owner)
    assert model["id"] not in ids(app.call("GET", "/v1/models", stranger))
    response = app.call("GET", f"/v1/models/{model['id']}", stranger)
    assert response.status_code == 404
    missing = app.call(
        "GET", "/v1/models/ft:mistral-small-2506:00000000:20250101:deadbeef", stranger
    )
    assert response.json() == {
        **missing.json(),
        "message": response.json()["message"],
    }
    assert response.json()["code"] == missing.json()["code"] == "model_not_found"


def test_list_filters_by_provider_and_model(app: Harness):
    key = app.key()
    llama = app.register(key, root="llama-3.1-8b")
    by_provider = ids(app.call("GET", "/v1/models", key, params={"provider": "meta-llama"}))
    assert by_provider == ["meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b", llama["id"]]
    by_model = ids(app.call("GET", "/v1/models", key, params={"model": "open-mistral-7b"}))
    assert by_model == ["open-mistral-7b", "mistral-tiny", "mistral-tiny-2312"]
    by_root = ids(
        app.call("GET", "/v1/models", key, params={"model": "meta-llama/Llama-3.1-8B-Instruct"})
    )
    assert by_root == ["meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b", llama["id"]]


def test_unknown_query_parameters_are_ignored(app: Harness):
    response = app.call("GET", "/v1/models", params={"colour": "blue"})
    assert response.status_code == 200
    assert len(response.json()["data"]) == 9
