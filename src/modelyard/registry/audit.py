"""The audit log as a change feed: an admin reads its organization's events, oldest first."""

from __future__ import annotations

from typing import Any

from modelyard.store.audit_repository import AuditRepository
from modelyard.store.engine import Store

from .identity import Principal

Json = dict[str, Any]


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def page(
        self,
        principal: Principal,
        *,
        after: int | None = None,
        limit: int = 100,
        model_id: str | None = None,
        action: str | None = None,
    ) -> Json:
        with self.store.read() as conn:
            events = AuditRepository(conn).page(
                principal.organization_id,
                after=after,
                limit=limit + 1,
                model_id=model_id,
                action=action,
            )
        data = [
            {
                "object": "audit.event",
                "id": event.id,
                "created": event.created,
                "action": event.action,
                "actor_key_id": event.actor_key_id,
                "workspace_id": event.workspace_id,
                "model_id": event.model_id,
                "before": event.before,
                "after": event.after,
                "request_id": event.request_id,
            }
            for event in events[:limit]
        ]
        return {
            "object": "list",
            "data": data,
            "has_more": len(events) > limit,
            "last_id": data[-1]["id"] if data else None,
        }
