"""SQL for base models (rows synced from the catalog file)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import CATALOG_VERSION, base_models, store_revision

_VERSION = sa.select(store_revision.c.value).where(store_revision.c.id == CATALOG_VERSION)


class CatalogRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def version(self) -> int:
        """Moves only when a sync changed the base models (see tables.store_revision)."""
        return int(self.conn.scalar(_VERSION) or 0)

    def bump_version(self) -> None:
        self.conn.execute(
            sa.update(store_revision)
            .where(store_revision.c.id == CATALOG_VERSION)
            .values(value=store_revision.c.value + 1)
        )

    def all(self) -> list[records.BaseModel]:
        """Every base model ever synced, in catalog order (those no longer in it last)."""
        rows = self.conn.execute(
            sa.select(base_models).order_by(base_models.c.in_catalog.desc(), base_models.c.position)
        )
        return [_record(row) for row in rows]

    def upsert(self, model: records.BaseModel) -> None:
        values = {name: getattr(model, name) for name in model.__slots__}
        values["aliases"] = list(model.aliases)
        updated = self.conn.execute(
            sa.update(base_models).where(base_models.c.id == model.id).values(**values)
        )
        if updated.rowcount == 0:
            self.conn.execute(sa.insert(base_models).values(**values))

    def retire_all_but(self, ids: set[str]) -> None:
        self.conn.execute(
            sa.update(base_models)
            .where(base_models.c.id.not_in(ids), base_models.c.in_catalog.is_(True))
            .values(in_catalog=False)
        )


def _record(row: sa.Row[tuple[object, ...]]) -> records.BaseModel:
    values = dict(row._mapping)
    values["aliases"] = tuple(values["aliases"])
    return records.BaseModel(**values)
