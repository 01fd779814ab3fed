"""`/v1/fine_tuning/models`: update, archive, unarchive (Mistral's), and registration (ours)."""

from __future__ import annotations

from modelyard.types import (
    ArchiveFTModelOut,
    FTModelCard,
    FTModelOut,
    RegisterFTModelIn,
    UnarchiveFTModelOut,
    UpdateFTModelIn,
)

from ..answers import Answer, versioned_answer
from ..operations import Call, Operations
from .models import operations as models
from .models import retrieve_model
from .params import ModelChange

operations = Operations("fine-tuned models")


@operations(
    "POST",
    "/v1/fine_tuning/models",
    scope="write",
    body=RegisterFTModelIn,
    operation_id="register_fine_tuned_model",
    errors=(404, 409),
    summary="Register Fine Tuned Model",
    status_code=201,
    responses={201: FTModelCard, 200: FTModelCard},
)
async def register_model(call: Call[None, RegisterFTModelIn]) -> Answer:
    found, created = await call.write(call.services.models.register, call.actor, call.body)
    if not created:
        return versioned_answer(found)
    location = models[retrieve_model].url(call.state.root_path, model_id=found.body["id"])
    return versioned_answer(found, 201, Location=location)


@operations(
    "PATCH",
    "/v1/fine_tuning/models/{model_id:path}",
    scope="write",
    params=ModelChange,
    body=UpdateFTModelIn,
    body_required=False,
    operation_id="jobs_api_routes_fine_tuning_update_fine_tuned_model",
    errors=(403, 404, 409, 412),
    summary="Update Fine Tuned Model",
    responses={200: FTModelOut},
)
async def update_model(call: Call[ModelChange, UpdateFTModelIn | None]) -> Answer:
    params, patch = call.params, call.body or UpdateFTModelIn()
    updated = await call.change_model(
        call.services.models.update, params.model_id, patch, params.if_match
    )
    return versioned_answer(updated)


@operations(
    "POST",
    "/v1/fine_tuning/models/{model_id:path}/archive",
    scope="write",
    params=ModelChange,
    operation_id="jobs_api_routes_fine_tuning_archive_fine_tuned_model",
    errors=(403, 404, 409, 412),
    summary="Archive Fine Tuned Model",
    responses={200: ArchiveFTModelOut},
)
async def archive_model(call: Call[ModelChange, None]) -> Answer:
    return await _set_archived(call, True)


@operations(
    "DELETE",
    "/v1/fine_tuning/models/{model_id:path}/archive",
    scope="write",
    params=ModelChange,
    operation_id="jobs_api_routes_fine_tuning_unarchive_fine_tuned_model",
    errors=(403, 404, 409, 412),
    summary="Unarchive Fine Tuned Model",
    responses={200: UnarchiveFTModelOut},
)
async def unarchive_model(call: Call[ModelChange, None]) -> Answer:
    return await _set_archived(call, False)


async def _set_archived(call: Call[ModelChange, None], archived: bool) -> Answer:
    params = call.params
    found = await call.change_model(
        call.services.models.set_archived, params.model_id, archived, params.if_match
    )
    return versioned_answer(found)
