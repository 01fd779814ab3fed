"""Audit events: one per acknowledged change, committed with it."""

from typing import Any, Literal

from pydantic import Field

from ._base import OutputType

AuditAction = Literal[
    "model.registered",
    "model.updated",
    "model.archived",
    "model.unarchived",
    "model.deleted",
    "workspace.created",
    "api_key.created",
    "api_key.revoked",
    "alias.set",
    "alias.deleted",
]


class AuditEvent(OutputType):
    object: Literal["audit.event"] = "audit.event"
    id: int
    created: int
    # Any string on the way in: a newer server's new action must not break an older SDK.
    action: AuditAction | str
    actor_key_id: str | None = None
    workspace_id: str | None = None
    model_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    request_id: str | None = None


class AuditEventList(OutputType):
    object: Literal["list"] = "list"
    data: list[AuditEvent] = Field(default_factory=list)
    has_more: bool = False
    last_id: int | None = None
