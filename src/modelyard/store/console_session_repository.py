"""SQL for the web console's sessions (console/sessions.py holds their rules)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import api_keys, console_sessions, workspaces

_sessions = console_sessions
# The key's columns in the order of `records.ApiKey`, after the session's own.
_KEY_COLUMNS = (
    api_keys.c.id,
    api_keys.c.workspace_id,
    workspaces.c.organization_id,
    api_keys.c.name,
    api_keys.c.scope,
    api_keys.c.created,
    api_keys.c.last_used_at,
    api_keys.c.revoked_at,
)
_FOUND = (
    sa.select(*_sessions.c, *(column.label(f"key_{column.name}") for column in _KEY_COLUMNS))
    .join(api_keys, api_keys.c.id == _sessions.c.key_id)
    .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
    .where(_sessions.c.token_hash == sa.bindparam("token_hash"))
)
_SESSION_FIELDS = len(_sessions.c)


class ConsoleSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, session: records.ConsoleSession) -> None:
        values = {name: getattr(session, name) for name in session.__slots__}
        self.conn.execute(sa.insert(_sessions).values(**values))

    def find(self, token_hash: str) -> tuple[records.ConsoleSession, records.ApiKey] | None:
        """The session and its key (revoked or not), in one query."""
        row = self.conn.execute(_FOUND, {"token_hash": token_hash}).first()
        if row is None:
            return None
        session = records.ConsoleSession(*row[:_SESSION_FIELDS])
        return session, records.ApiKey(*row[_SESSION_FIELDS:])

    def touch(self, token_hash: str, now: int) -> None:
        self.conn.execute(
            sa.update(_sessions).where(_sessions.c.token_hash == token_hash).values(last_seen=now)
        )

    def delete(self, token_hash: str) -> None:
        self.conn.execute(sa.delete(_sessions).where(_sessions.c.token_hash == token_hash))

    def delete_idle(self, seen_before: int) -> None:
        """Every session idle since before this time (expired)."""
        self.conn.execute(sa.delete(_sessions).where(_sessions.c.last_seen < seen_before))
