"""`/v1/aliases`: a workspace's names for its fine-tuned models (write scope to move them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from modelyard.types import Alias, AliasDeleted, AliasIn, AliasList
from modelyard.types.record import ALIAS_PATTERN

from ..answers import Answer, json_answer, list_answer
from ..operations import HEADER, PATH, Call, Operations, Params
from .params import IfMatch

operations = Operations("aliases")


class AliasRef(Params):
    alias: Annotated[str, PATH, Field(pattern=ALIAS_PATTERN, description="The alias's name.")]
    if_match: IfMatch = None


class AliasPut(AliasRef):
    if_none_match: Annotated[
        str | None,
        HEADER,
        Field(
            alias="If-None-Match",
            max_length=1024,
            description="`*`: create only (412 when the alias exists).",
        ),
    ] = None


@operations(
    "GET",
    "/v1/aliases",
    scope="read",
    cached=True,
    operation_id="list_aliases",
    summary="List Aliases",
    responses={200: AliasList},
)
async def list_aliases(call: Call[None, None]) -> Answer:
    return list_answer(call.read(call.services.aliases.list, call.principal))


@operations(
    "GET",
    "/v1/aliases/{alias}",
    scope="read",
    cached=True,
    params=AliasRef,
    operation_id="get_alias",
    errors=(304, 404),
    summary="Get Alias",
    responses={200: Alias},
)
async def get_alias(call: Call[AliasRef, None]) -> Answer:
    found = call.read(call.services.aliases.get, call.principal, call.params.alias)
    return json_answer(found.body, headers={"ETag": found.etag})


@operations(
    "PUT",
    "/v1/aliases/{alias}",
    scope="write",
    params=AliasPut,
    body=AliasIn,
    operation_id="set_alias",
    errors=(404, 409, 412),
    summary="Set Alias",
    responses={200: Alias},
)
async def set_alias(call: Call[AliasPut, AliasIn]) -> Answer:
    params = call.params
    found = await call.write(
        call.services.aliases.set,
        call.actor,
        params.alias,
        call.body.model,
        params.if_match,
        params.if_none_match,
    )
    return json_answer(found.body, headers={"ETag": found.etag})


@operations(
    "DELETE",
    "/v1/aliases/{alias}",
    scope="write",
    params=AliasRef,
    operation_id="delete_alias",
    errors=(404, 412),
    summary="Delete Alias",
    responses={200: AliasDeleted},
)
async def delete_alias(call: Call[AliasRef, None]) -> Answer:
    params = call.params
    deleted = await call.write(
        call.services.aliases.delete, call.actor, params.alias, params.if_match
    )
    return json_answer(deleted)
