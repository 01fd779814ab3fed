"""SQL for organizations, workspaces and API keys."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import TENANCY_VERSION, api_keys, organizations, store_revision, workspaces

_KEY_COLUMNS = (*api_keys.c, workspaces.c.organization_id)


class TenancyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def bump_version(self) -> None:
        """Every change to workspaces or keys: memoized key lookups are dropped everywhere."""
        self.conn.execute(
            sa.update(store_revision)
            .where(store_revision.c.id == TENANCY_VERSION)
            .values(value=store_revision.c.value + 1)
        )

    def has_any_key(self) -> bool:
        return self.conn.scalar(sa.select(sa.exists().select_from(api_keys))) is True

    def organization_by_name(self, name: str) -> records.Organization | None:
        row = self.conn.execute(
            sa.select(organizations).where(organizations.c.name == name)
        ).first()
        return records.Organization(**row._mapping) if row else None

    def add_organization(self, organization: records.Organization) -> None:
        self.conn.execute(sa.insert(organizations).values(**_fields(organization)))

    def add_workspace(self, workspace: records.Workspace) -> None:
        self.conn.execute(sa.insert(workspaces).values(**_fields(workspace)))
        self.bump_version()

    def tag_taken(self, tag: str) -> bool:
        query = sa.select(sa.exists().where(workspaces.c.tag == tag))
        return self.conn.scalar(query) is True

    def workspace(self, organization_id: str, id_or_name: str) -> records.Workspace | None:
        row = self.conn.execute(
            sa.select(workspaces).where(
                workspaces.c.organization_id == organization_id,
                sa.or_(workspaces.c.id == id_or_name, workspaces.c.name == id_or_name),
            )
        ).first()
        return records.Workspace(**row._mapping) if row else None

    def workspaces(self, organization_id: str) -> list[records.Workspace]:
        rows = self.conn.execute(
            sa.select(workspaces)
            .where(workspaces.c.organization_id == organization_id)
            .order_by(workspaces.c.created, workspaces.c.name)
        )
        return [records.Workspace(**row._mapping) for row in rows]

    def add_key(self, key: records.ApiKey, key_hash: str) -> None:
        values = _fields(key)
        del values["organization_id"]
        self.conn.execute(sa.insert(api_keys).values(**values, key_hash=key_hash))
        self.bump_version()

    def key_by_hash(self, key_hash: str) -> records.ApiKey | None:
        row = self.conn.execute(
            sa.select(*_KEY_COLUMNS)
            .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
            .where(api_keys.c.key_hash == key_hash)
        ).first()
        return _key(row) if row else None

    def keys(self, organization_id: str, *, revoked: bool = False) -> list[records.ApiKey]:
        """The organization's live keys, and its revoked ones too when asked."""
        query = (
            sa.select(*_KEY_COLUMNS)
            .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
            .where(workspaces.c.organization_id == organization_id)
        )
        if not revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        rows = self.conn.execute(query.order_by(api_keys.c.created, api_keys.c.id))
        return [_key(row) for row in rows]

    def touch_keys(self, used: dict[str, int]) -> None:
        """Record when keys were last used (never moving a time back)."""
        for key_id, when in used.items():
            self.conn.execute(
                sa.update(api_keys)
                .where(
                    api_keys.c.id == key_id,
                    sa.or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < when),
                )
                .values(last_used_at=when)
            )

    def key(self, organization_id: str, key_id: str) -> records.ApiKey | None:
        row = self.conn.execute(
            sa.select(*_KEY_COLUMNS)
            .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
            .where(workspaces.c.organization_id == organization_id, api_keys.c.id == key_id)
        ).first()
        return _key(row) if row else None

    def revoke_key(self, key_id: str, when: int) -> None:
        self.conn.execute(
            sa.update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=when)
        )
        self.bump_version()


def _key(row: sa.Row[tuple[object, ...]]) -> records.ApiKey:
    values = dict(row._mapping)
    del values["key_hash"]
    return records.ApiKey(**values)


def _fields(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]
