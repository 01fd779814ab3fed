"""The model record through the official SDKs, unmodified: cards that carry labels, an artifact
and aliases are read, typed, with no error (the SDKs ignore keys they do not know), and a
workspace alias is retrieved as a base alias is: the target's card with `id` = the alias."""

from __future__ import annotations

from typing import Any

import pytest

from tests.compat.harness import SMALL, SdkRunner, call, expect_error, expect_ok
from tests.support.server import LiveServer

pytestmark = pytest.mark.compat

ARTIFACT = {
    "uri": "s3://weights/support-bot/v3/",
    "format": "safetensors",
    "digest": "sha256:" + "cd" * 32,
    "size_bytes": 14_483_464_192,
    "parameter_count": 7_241_732_096,
    "quantization": "bf16",
    "adapter": True,
}


def recorded_model(server: LiveServer, key: str) -> tuple[str, str]:
    """A fine-tuned model with labels, an artifact and two aliases; its id and one alias."""
    model_id = server.register(
        key=key, name="support bot", labels={"stage": "prod", "team": "support"}, artifact=ARTIFACT
    )["id"]
    with server.client(key) as http:
        for alias in ("support-bot-prod", "support-bot-v3"):
            response = http.put(f"/v1/aliases/{alias}", json={"model": model_id})
            assert response.status_code == 200, response.text
    return model_id, "support-bot-prod"


def test_mistralai_lists_and_retrieves_recorded_models_and_aliases(
    mistral: SdkRunner, live_server: LiveServer, write_key: str
) -> None:
    classes = mistral.classes
    model_id, alias = recorded_model(live_server, write_key)
    results = mistral.run(
        [
            call("list", "list"),
            call("retrieve", "retrieve", model_id=model_id),
            call("retrieve_alias", "retrieve", model_id=alias),
            call("retrieve_base", "retrieve", model_id=SMALL),
            call("update_by_id", "update", model_id=model_id, description="still typed"),
            call("update_alias", "update", model_id=alias, description="never"),
            call("delete_aliased", "delete", model_id=model_id),
        ],
        key=write_key,
    )
    listing = expect_ok(results["list"], classes["list"])
    entries = {entry["id"]: entry for entry in listing["data"]}
    assert {model_id, alias, "support-bot-v3"} <= set(entries)
    assert all(
        item["class"] == classes["ft"]
        for item in results["list"]["items"]
        if item["value"]["type"] == "fine-tuned"
    )
    assert entries[model_id]["aliases"] == ["support-bot-prod", "support-bot-v3"]
    assert entries[alias]["aliases"] == [model_id, "support-bot-v3"]
    card = expect_ok(results["retrieve"], classes["ft"])
    assert (card["id"], card["name"]) == (model_id, "support bot")
    by_alias = expect_ok(results["retrieve_alias"], classes["ft"])
    assert (by_alias["id"], by_alias["root"], by_alias["job"]) == (alias, card["root"], card["job"])
    assert by_alias["aliases"] == [model_id, "support-bot-v3"]
    expect_ok(results["retrieve_base"], classes["base"])
    expect_ok(results["update_by_id"], classes["completion"])
    # A write addressed to an alias is refused (409), and so is deleting an aliased model.
    expect_error(results["update_alias"], "SDKError", 409, "alias_not_model")
    expect_error(results["delete_aliased"], "SDKError", 409, "model_has_aliases")


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_openai_lists_and_retrieves_recorded_models_and_aliases(
    openai_sdk: SdkRunner, live_server: LiveServer, write_key: str, strict: bool
) -> None:
    model_id, alias = recorded_model(live_server, write_key)

    def step(label: str, op: str, **args: Any) -> dict[str, Any]:
        return {**call(label, op, **args), "strict": strict}

    results = openai_sdk.run(
        [
            step("list", "list"),
            step("retrieve", "retrieve", model=model_id),
            step("retrieve_alias", "retrieve", model=alias),
        ],
        key=write_key,
    )
    page = results["list"]
    assert not page["error"], page
    ids = [item["value"]["id"] for item in page["items"]]
    assert {model_id, alias, "support-bot-v3"} <= set(ids)
    assert {item["class"] for item in page["items"]} == {"Model"}
    assert expect_ok(results["retrieve"], "Model")["id"] == model_id
    by_alias = expect_ok(results["retrieve_alias"], "Model")
    assert (by_alias["id"], by_alias["object"]) == (alias, "model")
