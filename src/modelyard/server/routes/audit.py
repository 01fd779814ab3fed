"""`/v1/audit/events`: the organization's change feed (admin scope)."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from modelyard.types import AuditAction, AuditEventList
from modelyard.types._base import NO_NUL

from ..answers import Answer, json_answer
from ..operations import Call, Operations, Params

operations = Operations("audit")


class EventsParams(Params):
    after: Annotated[
        int | None, Field(ge=0, le=2**63 - 1, description="The last event id already seen.")
    ] = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    model_id: Annotated[str | None, Field(max_length=512, pattern=NO_NUL)] = None
    action: Annotated[AuditAction | None, Field(description=", ".join(get_args(AuditAction)))] = (
        None
    )


@operations(
    "GET",
    "/v1/audit/events",
    scope="admin",
    params=EventsParams,
    operation_id="list_audit_events",
    summary="List Audit Events",
    responses={200: AuditEventList},
)
def list_audit_events(call: Call[EventsParams, None]) -> Answer:
    params = call.params
    page = call.read(
        call.services.audit.page,
        call.principal,
        after=params.after,
        limit=params.limit,
        model_id=params.model_id,
        action=params.action,
    )
    return json_answer(page)
