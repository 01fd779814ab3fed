"""`/v1/models`: list, retrieve and delete (Mistral's operationIds)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from modelyard.registry.listing import ListQuery
from modelyard.types import BaseModelCard, DeleteModelOut, FTModelCard, ModelList
from modelyard.types._base import NO_NUL

from ..dependencies import CurrentActor, CurrentPrincipal, Models
from ..responses import json_response
from .params import IfMatch, ModelId

router = APIRouter(prefix="/v1/models", tags=["models"])

FilterText = Annotated[str | None, Query(max_length=512, pattern=NO_NUL)]


@router.get(
    "",
    operation_id="list_models_v1_models_get",
    summary="List Models",
    responses={200: {"model": ModelList}},
)
async def list_models(
    principal: CurrentPrincipal,
    models: Models,
    provider: Annotated[
        str | None, Query(max_length=512, pattern=NO_NUL, description="Keep this provider.")
    ] = None,
    model: Annotated[
        str | None,
        Query(
            max_length=512,
            pattern=NO_NUL,
            description="Keep entries with this id or name, and fine-tunes of it.",
        ),
    ] = None,
    type: Annotated[
        Literal["base", "fine-tuned"] | None, Query(description="Modelyard extension.")
    ] = None,
    archived: Annotated[bool | None, Query(description="Modelyard extension.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=256,
            pattern=NO_NUL,
            description="Case-insensitive substring of id, name or description.",
        ),
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="Page size; orders by id.")
    ] = None,
    after: Annotated[
        str | None,
        Query(max_length=512, pattern=NO_NUL, description="The last id of the previous page."),
    ] = None,
) -> Response:
    query = ListQuery(
        type=type, archived=archived, q=q, provider=provider, model=model, limit=limit, after=after
    )
    return json_response(models.list(principal, query).body())


@router.get(
    "/{model_id:path}",
    operation_id="retrieve_model_v1_models__model_id__get",
    summary="Retrieve Model",
    responses={200: {"model": BaseModelCard | FTModelCard}},
)
async def retrieve_model(
    model_id: ModelId, principal: CurrentPrincipal, models: Models
) -> Response:
    found = models.retrieve(principal, model_id)
    return json_response(found.body, headers={"ETag": found.etag} if found.etag else None)


@router.delete(
    "/{model_id:path}",
    operation_id="delete_model_v1_models__model_id__delete",
    summary="Delete Model",
    responses={200: {"model": DeleteModelOut}},
)
async def delete_model(
    model_id: ModelId, actor: CurrentActor, models: Models, if_match: IfMatch = None
) -> Response:
    return json_response(await models.delete_async(actor, model_id, if_match))
