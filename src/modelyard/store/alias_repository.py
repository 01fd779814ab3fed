"""SQL for aliases: a workspace's names for its fine-tuned models."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import aliases


class AliasRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, workspace_id: str, name: str) -> records.Alias | None:
        row = self.conn.execute(
            sa.select(aliases).where(aliases.c.workspace_id == workspace_id, aliases.c.name == name)
        ).first()
        return records.Alias(**row._mapping) if row else None

    def all(self, workspace_id: str) -> list[records.Alias]:
        """The workspace's aliases, by name."""
        rows = self.conn.execute(
            sa.select(aliases)
            .where(aliases.c.workspace_id == workspace_id)
            .order_by(aliases.c.name)
        )
        return [records.Alias(**row._mapping) for row in rows]

    def put(self, alias: records.Alias) -> None:
        """Create the alias (version 1) or move it (its version bumped by the caller)."""
        values = {name: getattr(alias, name) for name in alias.__slots__}
        if alias.version == 1:
            self.conn.execute(sa.insert(aliases).values(**values))
            return
        self.conn.execute(
            sa.update(aliases)
            .where(aliases.c.workspace_id == alias.workspace_id, aliases.c.name == alias.name)
            .values(model_id=alias.model_id, version=alias.version, updated=alias.updated)
        )

    def delete(self, alias: records.Alias) -> None:
        self.conn.execute(
            sa.delete(aliases).where(
                aliases.c.workspace_id == alias.workspace_id, aliases.c.name == alias.name
            )
        )
