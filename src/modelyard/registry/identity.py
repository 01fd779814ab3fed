"""Who is calling: the principal behind an API key, and the rules of scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SCOPE_RANK: Final = {"read": 0, "write": 1, "admin": 2}


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str | None  # None for the operator at the console (`modelyard` on the store)
    key_name: str | None
    scope: str
    workspace_id: str
    organization_id: str

    def allows(self, needed: str) -> bool:
        return SCOPE_RANK[self.scope] >= SCOPE_RANK[needed]


@dataclass(frozen=True, slots=True)
class Actor:
    """A principal acting within one request: what the audit log records."""

    principal: Principal
    request_id: str | None = None
