"""`/v1/me`, `/v1/workspaces`, `/v1/api_keys`: who am I, and the admin API for tenancy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

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

from ..dependencies import CurrentActor, CurrentPrincipal, Tenancy
from ..responses import json_response

router = APIRouter(prefix="/v1", tags=["tenancy"])


@router.get(
    "/me", operation_id="get_me", summary="The Calling API Key", responses={200: {"model": Me}}
)
async def me(principal: CurrentPrincipal) -> Response:
    return json_response(
        {
            "object": "api_key",
            "id": principal.key_id,
            "name": principal.key_name,
            "scope": principal.scope,
            "workspace_id": principal.workspace_id,
            "organization_id": principal.organization_id,
        }
    )


@router.post(
    "/workspaces",
    operation_id="create_workspace",
    summary="Create Workspace",
    status_code=201,
    responses={201: {"model": Workspace}},
)
def create_workspace(body: WorkspaceCreateIn, actor: CurrentActor, tenancy: Tenancy) -> Response:
    return json_response(workspace_body(tenancy.create_workspace(actor, body.name)), 201)


@router.get(
    "/workspaces",
    operation_id="list_workspaces",
    summary="List Workspaces",
    responses={200: {"model": WorkspaceList}},
)
def list_workspaces(principal: CurrentPrincipal, tenancy: Tenancy) -> Response:
    data = [workspace_body(workspace) for workspace in tenancy.list_workspaces(principal)]
    return json_response({"object": "list", "data": data})


@router.post(
    "/api_keys",
    operation_id="create_api_key",
    summary="Create API Key",
    status_code=201,
    responses={201: {"model": ApiKeyCreated}},
)
def create_key(body: ApiKeyCreateIn, actor: CurrentActor, tenancy: Tenancy) -> Response:
    key, secret = tenancy.create_key(actor, body.workspace, body.scope, body.name)
    return json_response({**api_key_body(key), "key": secret}, 201)


@router.get(
    "/api_keys",
    operation_id="list_api_keys",
    summary="List API Keys",
    responses={200: {"model": ApiKeyList}},
)
def list_keys(principal: CurrentPrincipal, tenancy: Tenancy) -> Response:
    return json_response(
        {"object": "list", "data": [api_key_body(key) for key in tenancy.list_keys(principal)]}
    )


@router.delete(
    "/api_keys/{key_id}",
    operation_id="revoke_api_key",
    summary="Revoke API Key",
    responses={200: {"model": ApiKeyRevoked}},
)
def revoke_key(
    key_id: Annotated[str, Path(max_length=64)], actor: CurrentActor, tenancy: Tenancy
) -> Response:
    key = tenancy.revoke_key(actor, key_id)
    return json_response({"object": "api_key", "id": key.id, "revoked": True})
