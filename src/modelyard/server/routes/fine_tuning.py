"""`/v1/fine_tuning/models`: update, archive, unarchive (Mistral's), and registration (ours)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body
from starlette.responses import Response

from modelyard.types import (
    ArchiveFTModelOut,
    FTModelCard,
    FTModelOut,
    RegisterFTModelIn,
    UnarchiveFTModelOut,
    UpdateFTModelIn,
)

from ..dependencies import CurrentActor, Models, Tenancy
from ..responses import versioned_response
from .params import IfMatch, ModelId

router = APIRouter(prefix="/v1/fine_tuning/models", tags=["fine-tuned models"])


@router.post(
    "",
    operation_id="register_fine_tuned_model",
    summary="Register Fine Tuned Model",
    status_code=201,
    responses={201: {"model": FTModelCard}, 200: {"model": FTModelCard}},
)
def register(
    body: RegisterFTModelIn, actor: CurrentActor, models: Models, tenancy: Tenancy
) -> Response:
    principal = actor.principal
    tag = tenancy.workspace_tag(principal.workspace_id, principal.organization_id)
    found, created = models.register(actor, body, tag)
    if not created:
        return versioned_response(found)
    return versioned_response(
        found, 201, Location=f"/v1/models/{quote(found.body['id'], safe=':/')}"
    )


@router.patch(
    "/{model_id:path}",
    operation_id="jobs_api_routes_fine_tuning_update_fine_tuned_model",
    summary="Update Fine Tuned Model",
    responses={200: {"model": FTModelOut}},
)
async def update(
    model_id: ModelId,
    actor: CurrentActor,
    models: Models,
    patch: Annotated[UpdateFTModelIn | None, Body()] = None,
    if_match: IfMatch = None,
) -> Response:
    patch = patch or UpdateFTModelIn()
    return versioned_response(await models.update_async(actor, model_id, patch, if_match))


@router.post(
    "/{model_id:path}/archive",
    operation_id="jobs_api_routes_fine_tuning_archive_fine_tuned_model",
    summary="Archive Fine Tuned Model",
    responses={200: {"model": ArchiveFTModelOut}},
)
async def archive(
    model_id: ModelId, actor: CurrentActor, models: Models, if_match: IfMatch = None
) -> Response:
    return versioned_response(await models.set_archived_async(actor, model_id, True, if_match))


@router.delete(
    "/{model_id:path}/archive",
    operation_id="jobs_api_routes_fine_tuning_unarchive_fine_tuned_model",
    summary="Unarchive Fine Tuned Model",
    responses={200: {"model": UnarchiveFTModelOut}},
)
async def unarchive(
    model_id: ModelId, actor: CurrentActor, models: Models, if_match: IfMatch = None
) -> Response:
    return versioned_response(await models.set_archived_async(actor, model_id, False, if_match))
