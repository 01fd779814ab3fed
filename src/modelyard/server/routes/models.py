"""`/v1/models`: list, retrieve and delete (Mistral's operationIds)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from modelyard.types import BaseModelCard, DeleteModelOut, FTModelCard, ModelList

from ..dependencies import CurrentActor, CurrentPrincipal, Models
from ..responses import json_response
from .params import IfMatch, ModelId

router = APIRouter(prefix="/v1/models", tags=["models"])

FilterText = Annotated[str | None, Query(max_length=512)]


@router.get(
    "",
    operation_id="list_models_v1_models_get",
    summary="List Models",
    responses={200: {"model": ModelList}},
)
async def list_models(
    principal: CurrentPrincipal,
    models: Models,
    provider: FilterText = None,
    model: FilterText = None,
) -> Response:
    entries = models.list(principal, provider=provider, model=model)
    return json_response({"object": "list", "data": entries})


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
def delete_model(
    model_id: ModelId, actor: CurrentActor, models: Models, if_match: IfMatch = None
) -> Response:
    return json_response(models.delete(actor, model_id, if_match))
