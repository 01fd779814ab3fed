"""How responses become typed results."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

import modelyard
import modelyard.types
from modelyard import (
    ArchiveFTModelOut,
    BaseModelCard,
    ClassifierFTModelOut,
    CompletionFTModelOut,
    DeleteModelOut,
    FTModelCard,
    ModelList,
    SDKError,
    UnarchiveFTModelOut,
    UnknownModelCard,
)
from tests.sdk.wire import FT_ID, base_card, ft_card, ft_model, json_response, recording_yard
from tests.support.app import Harness


def answering(status: int, body: object) -> tuple[object, list[httpx.Request]]:
    return recording_yard(lambda request: json_response(status, body))


def test_list_types_each_card_by_its_type() -> None:
    yard, _ = recording_yard(
        lambda r: json_response(200, {"object": "list", "data": [base_card(), ft_card()]})
    )
    with yard:
        result = yard.models.list()
    assert isinstance(result, ModelList)
    base, tuned = result.data
    assert isinstance(base, BaseModelCard)
    assert base.aliases == ["mistral-small-latest"]
    assert isinstance(tuned, FTModelCard)
    assert (tuned.root, tuned.archived) == ("open-mistral-7b", False)
    assert (result.has_more, result.last_id) == (None, None)


def test_list_returns_the_seeds_model_list_and_iter_its_cards() -> None:
    body = {"object": "list", "data": [base_card(), {"type": "agent"}]}
    yard, _ = recording_yard(lambda r: json_response(200, body))
    with yard:
        result = yard.models.list()
        page = yard.models.with_raw_response.list().parse()
        cards = list(yard.models.iter())
    assert isinstance(result, modelyard.ModelList)
    assert isinstance(page, modelyard.ModelList)
    assert cards == result.data


def test_model_list_result_is_a_deprecated_name_of_model_list() -> None:
    with pytest.warns(DeprecationWarning, match="ModelList"):
        assert modelyard.ModelListResult is modelyard.ModelList


def test_the_servers_list_type_still_has_only_the_two_known_cards(app: Harness) -> None:
    """The SDK's `ModelList` may hold `UnknownModelCard`s; the server documents its own type."""
    spec = app.call("GET", "/openapi.json", key=None).json()
    listed = spec["paths"]["/v1/models"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"] == {"$ref": "#/components/schemas/ModelList"}
    items = spec["components"]["schemas"]["ModelList"]["properties"]["data"]["items"]
    assert {ref["$ref"] for ref in items["oneOf"]} == {
        "#/components/schemas/BaseModelCard",
        "#/components/schemas/FTModelCard",
    }
    assert "UnknownModelCard" not in json.dumps(spec)
    assert modelyard.ModelList is not modelyard.types.ModelList


def test_a_card_of_an_unknown_type_is_kept_raw_and_the_rest_of_the_list_still_parses() -> None:
    agent = {"id": "agent-1", "object": "model", "type": "agent", "whatever": [1, 2]}
    yard, _ = recording_yard(
        lambda r: json_response(200, {"object": "list", "data": [base_card(), agent, ft_card()]})
    )
    with yard:
        result = yard.models.list()
    kinds = [type(card) for card in result.data]
    assert kinds == [BaseModelCard, UnknownModelCard, FTModelCard]
    unknown = result.data[1]
    assert isinstance(unknown, UnknownModelCard)
    assert (unknown.type, unknown.raw) == ("agent", agent)


def test_a_card_without_a_type_is_kept_as_unknown() -> None:
    untyped = {"id": "x"}
    yard, _ = recording_yard(lambda r: json_response(200, {"object": "list", "data": [untyped]}))
    with yard:
        (card,) = yard.models.list().data
    assert card == UnknownModelCard(type="", raw=untyped)


def test_a_page_carries_has_more_and_last_id() -> None:
    body = {"object": "list", "data": [base_card()], "has_more": True, "last_id": "mistral-small"}
    yard, _ = recording_yard(lambda r: json_response(200, body))
    with yard:
        result = yard.models.list(limit=1)
    assert (result.has_more, result.last_id) == (True, "mistral-small")


def test_unknown_keys_from_a_newer_server_are_ignored() -> None:
    yard, _ = recording_yard(lambda r: json_response(200, base_card(new_key={"a": 1})))
    with yard:
        card = yard.models.retrieve(model_id="mistral-small-2506")
    assert isinstance(card, BaseModelCard)


@pytest.mark.parametrize(
    ("body", "expected"),
    [(base_card(), BaseModelCard), (ft_card(), FTModelCard), ({"type": "agent"}, UnknownModelCard)],
)
def test_retrieve_returns_the_card_type_the_body_names(
    body: dict[str, object], expected: type
) -> None:
    yard, _ = recording_yard(lambda r: json_response(200, body))
    with yard:
        assert type(yard.models.retrieve(model_id="m")) is expected


def test_update_returns_the_fine_tuned_model_type_its_model_type_names() -> None:
    classifier = ft_model(
        model_type="classifier",
        classifier_targets=[
            {"name": "t", "labels": ["a"], "weight": 1.0, "loss_function": "single_class"}
        ],
    )
    bodies = iter([ft_model(), classifier])
    yard, _ = recording_yard(lambda r: json_response(200, next(bodies)))
    with yard:
        completion = yard.models.update(model_id=FT_ID, name="renamed")
        classified = yard.models.update(model_id=FT_ID, name="renamed")
    assert isinstance(completion, CompletionFTModelOut)
    assert isinstance(classified, ClassifierFTModelOut)
    assert classified.classifier_targets[0].labels == ["a"]


def test_small_results_parse_to_their_types() -> None:
    answers = {
        ("DELETE", f"/v1/models/{FT_ID}"): {"id": FT_ID, "object": "model", "deleted": True},
        ("POST", f"/v1/fine_tuning/models/{FT_ID}/archive"): {
            "id": FT_ID,
            "object": "model",
            "archived": True,
        },
        ("DELETE", f"/v1/fine_tuning/models/{FT_ID}/archive"): {
            "id": FT_ID,
            "object": "model",
            "archived": False,
        },
    }
    yard, _ = recording_yard(
        lambda r: json_response(200, answers[(r.method, r.url.raw_path.decode())])
    )
    with yard:
        assert yard.models.delete(model_id=FT_ID) == DeleteModelOut(id=FT_ID, deleted=True)
        assert yard.models.archive(model_id=FT_ID) == ArchiveFTModelOut(id=FT_ID, archived=True)
        assert yard.models.unarchive(model_id=FT_ID) == UnarchiveFTModelOut(id=FT_ID)


def test_register_accepts_201_created_and_200_replayed_alike() -> None:
    statuses = iter([201, 200])
    yard, _ = recording_yard(lambda r: json_response(next(statuses), ft_card()))
    with yard:
        first = yard.models.register(root="open-mistral-7b", job=ft_card()["job"])
        again = yard.models.register(root="open-mistral-7b", job=ft_card()["job"])
    assert first == again
    assert isinstance(first, FTModelCard)


def test_a_success_status_with_an_unreadable_body_is_an_sdk_error() -> None:
    yard, _ = recording_yard(lambda r: httpx.Response(200, text="<html>proxy login</html>"))
    with yard, pytest.raises(SDKError) as caught:
        yard.models.retrieve(model_id="m")
    assert caught.value.status_code == 200
    assert caught.value.body == "<html>proxy login</html>"


def test_async_results_equal_sync_results() -> None:
    body = {"object": "list", "data": [base_card(), {"type": "agent"}, ft_card()]}
    yard, _ = recording_yard(lambda r: json_response(200, body))

    async def both() -> tuple[ModelList, ModelList]:
        async with yard:
            return yard.models.list(), await yard.models.list_async()

    sync_result, async_result = asyncio.run(both())
    assert sync_result == async_result
