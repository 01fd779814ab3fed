"""`/v1/models`: list, retrieve and delete (Mistral's operationIds)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from modelyard.registry.listing import ListQuery
from modelyard.types import BaseModelCard, DeleteModelOut, FTModelCard, ModelList
from modelyard.types._base import NO_NUL
from modelyard.types.record import LABEL_KEY_PATTERN, LABEL_VALUE_MAX_LENGTH

from ..answers import Answer, json_answer, versioned_answer
from ..operations import Call, Operations, Params
from .params import ModelChange, ModelRef

operations = Operations("models")

Text = Annotated[str | None, Field(max_length=512, pattern=NO_NUL)]
# `key` or `key=value`: the key as a label key, the value as a label value.
LabelSelector = Annotated[
    str,
    Field(
        pattern=LABEL_KEY_PATTERN.removesuffix("$")
        + rf"(?:=[^\x00-\x1f\x7f]{{0,{LABEL_VALUE_MAX_LENGTH}}})?$"
    ),
]


class ListParams(Params):
    provider: Annotated[Text, Field(description="Keep this provider.")] = None
    model: Annotated[
        Text, Field(description="Keep entries with this id or name, and fine-tunes of it.")
    ] = None
    type: Annotated[
        Literal["base", "fine-tuned"] | None, Field(description="Modelyard extension.")
    ] = None
    archived: Annotated[bool | None, Field(description="Modelyard extension.")] = None
    q: Annotated[
        str | None,
        Field(
            max_length=256,
            pattern=NO_NUL,
            description="Case-insensitive substring of id, name or description.",
        ),
    ] = None
    limit: Annotated[int | None, Field(ge=1, le=1000, description="Page size; orders by id.")] = (
        None
    )
    after: Annotated[Text, Field(description="The last id of the previous page.")] = None
    label: Annotated[
        tuple[LabelSelector, ...],
        Field(
            max_length=16,
            description="`key=value` or `key` (present); repeat it to require several (AND). "
            "Modelyard extension.",
        ),
    ] = ()


@operations(
    "GET",
    "/v1/models",
    scope="read",
    cached=True,
    params=ListParams,
    operation_id="list_models_v1_models_get",
    summary="List Models",
    responses={200: ModelList},
)
async def list_models(call: Call[ListParams, None]) -> Answer:
    params = call.params.model_dump(exclude={"label"})
    query = ListQuery(**params, labels=ListQuery.label_selectors(call.params.label))
    return json_answer(call.read(call.services.models.list, call.principal, query).body())


@operations(
    "GET",
    "/v1/models/{model_id:path}",
    scope="read",
    cached=True,
    params=ModelRef,
    operation_id="retrieve_model_v1_models__model_id__get",
    errors=(304, 404),
    summary="Retrieve Model",
    responses={200: BaseModelCard | FTModelCard},
)
async def retrieve_model(call: Call[ModelRef, None]) -> Answer:
    return versioned_answer(
        call.read(call.services.models.retrieve, call.principal, call.params.model_id)
    )


@operations(
    "DELETE",
    "/v1/models/{model_id:path}",
    scope="write",
    params=ModelChange,
    operation_id="delete_model_v1_models__model_id__delete",
    errors=(403, 404, 409, 412),
    summary="Delete Model",
    responses={200: DeleteModelOut},
)
async def delete_model(call: Call[ModelChange, None]) -> Answer:
    params = call.params
    deleted = await call.change_model(call.services.models.delete, params.model_id, params.if_match)
    return json_answer(deleted)
