"""The tenancy service: the first key, authentication, workspaces and API keys."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from modelyard.store import records
from modelyard.store.engine import Tx
from modelyard.store.tenancy_repository import TenancyRepository
from modelyard.types import WorkspaceCreateIn

from . import ids
from .audit import record_event
from .cards import api_key_body, workspace_body
from .errors import Conflict, NotFound, Unauthorized
from .identity import Actor, Principal

DEFAULT_NAME = "default"
MAX_KEY_LENGTH = 256


class TenancyService:
    """The rules of organizations, workspaces and keys. Every method takes the caller's
    transaction; changes need a write transaction."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def bootstrap(self, tx: Tx, admin_key: str | None) -> str | None:
        """On a store with no key yet: the default organization, workspace and admin key.

        Returns the admin key's secret when one was created, else None. Safe to race: the write
        transaction serializes concurrent starters, and only the first finds no key.
        """
        repo = tx.tenancy
        if repo.has_any_key():
            return None
        now = int(self.clock())
        organization = records.Organization(ids.new_id(), DEFAULT_NAME, now)
        repo.add_organization(organization)
        workspace = self._new_workspace(repo, organization.id, DEFAULT_NAME, now)
        secret = admin_key or ids.new_key_secret()
        key = records.ApiKey(
            ids.new_id(), workspace.id, organization.id, "admin", "admin", now, None, None
        )
        repo.add_key(key, ids.hash_key(secret))
        return secret

    def authenticate(self, tx: Tx, secret: str) -> Principal:
        if not secret or len(secret) > MAX_KEY_LENGTH:
            raise Unauthorized("Invalid API key.")
        key = tx.tenancy.key_by_hash(ids.hash_key(secret))
        if key is None or key.revoked_at is not None:
            raise Unauthorized("Invalid API key.")
        return Principal(key.id, key.name, key.scope, key.workspace_id, key.organization_id)

    def operator_actor(self, tx: Tx, organization: str = DEFAULT_NAME) -> Actor:
        """The operator at the console: admin of an organization's default workspace, no key.

        Its audit events carry `actor_key_id: null`.
        """
        repo = tx.tenancy
        found = repo.organization_by_name(organization)
        workspace = repo.workspace(found.id, DEFAULT_NAME) if found else None
        if found is None or workspace is None:
            raise NotFound(
                f"No organization '{organization}' with a '{DEFAULT_NAME}' workspace.",
                code="organization_not_found",
            )
        return Actor(Principal(None, None, "admin", workspace.id, found.id))

    # -- workspaces -------------------------------------------------------------------------

    def create_workspace(self, tx: Tx, actor: Actor, name: str) -> records.Workspace:
        # The rule lives here too, not only in the route's input type: the CLI calls this directly.
        WorkspaceCreateIn(name=name)
        organization_id = actor.principal.organization_id
        repo = tx.tenancy
        if repo.workspace(organization_id, name) is not None:
            raise Conflict(
                f"A workspace named '{name}' already exists.",
                code="workspace_exists",
                param="name",
            )
        workspace = self._new_workspace(repo, organization_id, name, int(self.clock()))
        self._audit(tx, actor, "workspace.created", workspace.id, after=workspace_body(workspace))
        return workspace

    def list_workspaces(self, tx: Tx, principal: Principal) -> list[records.Workspace]:
        return tx.tenancy.workspaces(principal.organization_id)

    def _new_workspace(
        self, repo: TenancyRepository, organization_id: str, name: str, now: int
    ) -> records.Workspace:
        tag = ids.new_tag()
        while repo.tag_taken(tag):
            tag = ids.new_tag()
        workspace = records.Workspace(ids.new_id(), organization_id, name, tag, now)
        repo.add_workspace(workspace)
        return workspace

    # -- keys -------------------------------------------------------------------------------

    def create_key(
        self, tx: Tx, actor: Actor, workspace: str, scope: str, name: str | None
    ) -> tuple[records.ApiKey, str]:
        """A new key in one of the organization's workspaces; the secret is returned only here."""
        organization_id = actor.principal.organization_id
        repo = tx.tenancy
        target = repo.workspace(organization_id, workspace)
        if target is None:
            raise NotFound(
                f"Workspace '{workspace}' not found.",
                code="workspace_not_found",
                param="workspace",
            )
        secret = ids.new_key_secret()
        key = records.ApiKey(
            ids.new_id(), target.id, organization_id, name, scope, int(self.clock()), None, None
        )
        repo.add_key(key, ids.hash_key(secret))
        self._audit(tx, actor, "api_key.created", target.id, after=api_key_body(key))
        return key, secret

    def list_keys(
        self, tx: Tx, principal: Principal, *, revoked: bool = False
    ) -> list[records.ApiKey]:
        return tx.tenancy.keys(principal.organization_id, revoked=revoked)

    def revoke_key(self, tx: Tx, actor: Actor, key_id: str) -> records.ApiKey:
        organization_id = actor.principal.organization_id
        repo = tx.tenancy
        key = repo.key(organization_id, key_id)
        if key is None:
            raise NotFound(f"API key '{key_id}' not found.", code="api_key_not_found")
        if key.revoked_at is None:
            now = int(self.clock())
            repo.revoke_key(key_id, now)
            revoked = replace(key, revoked_at=now)
            self._audit(
                tx,
                actor,
                "api_key.revoked",
                key.workspace_id,
                before=api_key_body(key),
                after=api_key_body(revoked),
            )
        return key

    def _audit(
        self,
        tx: Tx,
        actor: Actor,
        action: str,
        workspace_id: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """A tenancy event: its subject (the workspace, or the key: never its secret) as
        before/after."""
        now = int(self.clock())
        record_event(tx, actor, now, action, workspace_id=workspace_id, before=before, after=after)
