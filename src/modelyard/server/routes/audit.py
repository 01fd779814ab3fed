"""`/v1/audit/events`: the organization's change feed (admin scope)."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Query
from starlette.responses import Response

from modelyard.types import AuditAction, AuditEventList
from modelyard.types._base import NO_NUL

from ..dependencies import Audit, CurrentPrincipal
from ..responses import json_response

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get(
    "/events",
    operation_id="list_audit_events",
    summary="List Audit Events",
    responses={200: {"model": AuditEventList}},
)
def list_events(
    principal: CurrentPrincipal,
    audit: Audit,
    after: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="The last event id already seen.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    model_id: Annotated[str | None, Query(max_length=512, pattern=NO_NUL)] = None,
    action: Annotated[
        AuditAction | None, Query(description=", ".join(get_args(AuditAction)))
    ] = None,
) -> Response:
    page = audit.page(principal, after=after, limit=limit, model_id=model_id, action=action)
    return json_response(page)
