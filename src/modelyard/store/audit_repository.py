"""SQL for the audit log: appended in the same transaction as the change it records."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import audit_events

_APPEND = sa.insert(audit_events)


class AuditRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def append(self, **values: Any) -> None:
        self.conn.execute(_APPEND, values)

    def page(
        self,
        organization_id: str,
        *,
        after: int | None,
        limit: int,
        model_id: str | None = None,
        action: str | None = None,
    ) -> list[records.AuditEvent]:
        """Up to `limit` events after the cursor, oldest first."""
        query = sa.select(audit_events).where(audit_events.c.organization_id == organization_id)
        if after is not None:
            query = query.where(audit_events.c.id > after)
        if model_id is not None:
            query = query.where(audit_events.c.model_id == model_id)
        if action is not None:
            query = query.where(audit_events.c.action == action)
        rows = self.conn.execute(query.order_by(audit_events.c.id).limit(limit))
        return [records.AuditEvent(**row._mapping) for row in rows]

    def latest(
        self, organization_id: str, *, model_id: str, limit: int
    ) -> list[records.AuditEvent]:
        """The newest `limit` events of one model, newest first (a model's history)."""
        query = (
            sa.select(audit_events)
            .where(
                audit_events.c.organization_id == organization_id,
                audit_events.c.model_id == model_id,
            )
            .order_by(audit_events.c.id.desc())
            .limit(limit)
        )
        return [records.AuditEvent(**row._mapping) for row in self.conn.execute(query)]
