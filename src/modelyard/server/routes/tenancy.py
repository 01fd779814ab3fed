"""`/v1/me`, `/v1/workspaces`, `/v1/api_keys`: who am I, and the admin API for tenancy."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from modelyard.registry.cards import api_key_body, workspace_body
from modelyard.types import (
    ApiKeyCreated,
    ApiKeyCreateIn,
    ApiKeyList,
    ApiKeyRevoked,
    Me,
    Workspace,
    WorkspaceCreateIn,
    WorkspaceList,
)

from ..answers import Answer, json_answer, list_answer
from ..operations import PATH, Call, Operations, Params

operations = Operations("tenancy")


@operations(
    "GET",
    "/v1/me",
    scope="read",
    operation_id="get_me",
    summary="The Calling API Key",
    responses={200: Me},
)
async def get_me(call: Call[None, None]) -> Answer:
    principal = call.principal
    return json_answer(
        {
            "object": "api_key",
            "id": principal.key_id,
            "name": principal.key_name,
            "scope": principal.scope,
            "workspace_id": principal.workspace_id,
            "organization_id": principal.organization_id,
        }
    )


@operations(
    "POST",
    "/v1/workspaces",
    scope="admin",
    body=WorkspaceCreateIn,
    operation_id="create_workspace",
    errors=(409,),
    summary="Create Workspace",
    status_code=201,
    responses={201: Workspace},
)
async def create_workspace(call: Call[None, WorkspaceCreateIn]) -> Answer:
    workspace = await call.write(call.services.tenancy.create_workspace, call.actor, call.body.name)
    return json_answer(workspace_body(workspace), 201)


@operations(
    "GET",
    "/v1/workspaces",
    scope="admin",
    operation_id="list_workspaces",
    summary="List Workspaces",
    responses={200: WorkspaceList},
)
def list_workspaces(call: Call[None, None]) -> Answer:
    found = call.read(call.services.tenancy.list_workspaces, call.principal)
    return list_answer([workspace_body(each) for each in found])


@operations(
    "POST",
    "/v1/api_keys",
    scope="admin",
    body=ApiKeyCreateIn,
    operation_id="create_api_key",
    errors=(404,),
    summary="Create API Key",
    status_code=201,
    responses={201: ApiKeyCreated},
)
async def create_api_key(call: Call[None, ApiKeyCreateIn]) -> Answer:
    body = call.body
    key, secret = await call.write(
        call.services.tenancy.create_key, call.actor, body.workspace, body.scope, body.name
    )
    return json_answer({**api_key_body(key), "key": secret}, 201)


class KeyListParams(Params):
    all: Annotated[
        bool, Field(description="Revoked keys too (with `revoked_at`). Modelyard extension.")
    ] = False


@operations(
    "GET",
    "/v1/api_keys",
    scope="admin",
    params=KeyListParams,
    operation_id="list_api_keys",
    summary="List API Keys",
    responses={200: ApiKeyList},
)
def list_api_keys(call: Call[KeyListParams, None]) -> Answer:
    found = call.read(call.services.tenancy.list_keys, call.principal, revoked=call.params.all)
    return list_answer([api_key_body(key) for key in found])


class KeyRef(Params):
    key_id: Annotated[str, PATH, Field(max_length=64)]


@operations(
    "DELETE",
    "/v1/api_keys/{key_id}",
    scope="admin",
    params=KeyRef,
    operation_id="revoke_api_key",
    errors=(404,),
    summary="Revoke API Key",
    responses={200: ApiKeyRevoked},
)
async def revoke_api_key(call: Call[KeyRef, None]) -> Answer:
    key = await call.write(call.services.tenancy.revoke_key, call.actor, call.params.key_id)
    return json_answer({"object": "api_key", "id": key.id, "revoked": True})
