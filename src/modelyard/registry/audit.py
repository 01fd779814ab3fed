"""The audit log: every change records one event in its own transaction, and an admin reads its
organization's events as a change feed, oldest first."""

from __future__ import annotations

from typing import Any

from modelyard.store import records
from modelyard.store.engine import Tx

from .identity import Actor, Principal

Json = dict[str, Any]


def record_event(
    tx: Tx,
    actor: Actor,
    created: int,
    action: str,
    *,
    model_id: str | None = None,
    workspace_id: str | None = None,
    before: Json | None = None,
    after: Json | None = None,
) -> None:
    """Append the event of a change, in the change's transaction."""
    principal = actor.principal
    tx.audit.append(
        created=created,
        organization_id=principal.organization_id,
        workspace_id=workspace_id or principal.workspace_id,
        action=action,
        actor_key_id=principal.key_id,
        model_id=model_id,
        before=before,
        after=after,
        request_id=actor.request_id,
    )
    tx.enqueued = True  # the webhook dispatcher reads it (registry/outbox.py)


class AuditService:
    def page(
        self,
        tx: Tx,
        principal: Principal,
        *,
        after: int | None = None,
        limit: int = 100,
        model_id: str | None = None,
        action: str | None = None,
    ) -> Json:
        events = tx.audit.page(
            principal.organization_id,
            after=after,
            limit=limit + 1,
            model_id=model_id,
            action=action,
        )
        data = [event_body(event) for event in events[:limit]]
        return {
            "object": "list",
            "data": data,
            "has_more": len(events) > limit,
            "last_id": data[-1]["id"] if data else None,
        }

    def history(self, tx: Tx, principal: Principal, model_id: str, *, limit: int = 100) -> Json:
        """A model's newest events, newest first (`has_more` when older ones exist)."""
        events = tx.audit.latest(principal.organization_id, model_id=model_id, limit=limit + 1)
        return {
            "object": "list",
            "data": [event_body(event) for event in events[:limit]],
            "has_more": len(events) > limit,
        }


def event_body(event: records.AuditEvent) -> Json:
    return {
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
