"""The tenancy service: the first key, authentication, workspaces and API keys."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.engine import Connection

from modelyard.store import records
from modelyard.store.audit_repository import AuditRepository
from modelyard.store.engine import Store
from modelyard.store.tenancy_repository import TenancyRepository
from modelyard.types import WorkspaceCreateIn

from . import ids
from .errors import Conflict, NotFound, Unauthorized
from .identity import Actor, Principal

DEFAULT_NAME = "default"
MAX_KEY_LENGTH = 256


class TenancyService:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def bootstrap(self, admin_key: str | None) -> str | None:
        """On a store with no key yet: the default organization, workspace and admin key.

        Returns the admin key's secret when one was created, else None. Safe to race: the write
        transaction serializes concurrent starters, and only the first finds no key.
        """
        with self.store.write() as conn:
            repo = TenancyRepository(conn)
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

    def authenticate(self, secret: str) -> Principal:
        if not secret or len(secret) > MAX_KEY_LENGTH:
            raise Unauthorized("Invalid API key.")
        with self.store.read() as conn:
            key = TenancyRepository(conn).key_by_hash(ids.hash_key(secret))
        if key is None or key.revoked_at is not None:
            raise Unauthorized("Invalid API key.")
        return Principal(key.id, key.name, key.scope, key.workspace_id, key.organization_id)

    def operator_actor(self, organization: str = DEFAULT_NAME) -> Actor:
        """The operator at the console: admin of an organization's default workspace, no key.

        Its audit events carry `actor_key_id: null`.
        """
        with self.store.read() as conn:
            repo = TenancyRepository(conn)
            found = repo.organization_by_name(organization)
            workspace = repo.workspace(found.id, DEFAULT_NAME) if found else None
        if found is None or workspace is None:
            raise NotFound(
                f"No organization '{organization}' with a '{DEFAULT_NAME}' workspace.",
                code="organization_not_found",
            )
        return Actor(Principal(None, None, "admin", workspace.id, found.id))

    def workspace_tag(self, workspace_id: str, organization_id: str) -> str:
        with self.store.read() as conn:
            workspace = TenancyRepository(conn).workspace(organization_id, workspace_id)
        if workspace is None:
            raise NotFound("Workspace not found.", code="workspace_not_found")
        return workspace.tag

    # -- workspaces -------------------------------------------------------------------------

    def create_workspace(self, actor: Actor, name: str) -> records.Workspace:
        # The rule lives here too, not only in the route's input type: the CLI calls this directly.
        WorkspaceCreateIn(name=name)
        organization_id = actor.principal.organization_id
        with self.store.write() as conn:
            repo = TenancyRepository(conn)
            if repo.workspace(organization_id, name) is not None:
                raise Conflict(
                    f"A workspace named '{name}' already exists.",
                    code="workspace_exists",
                    param="name",
                )
            workspace = self._new_workspace(repo, organization_id, name, int(self.clock()))
            self._audit(conn, actor, "workspace.created", workspace.id)
        return workspace

    def list_workspaces(self, principal: Principal) -> list[records.Workspace]:
        with self.store.read() as conn:
            return TenancyRepository(conn).workspaces(principal.organization_id)

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
        self, actor: Actor, workspace: str, scope: str, name: str | None
    ) -> tuple[records.ApiKey, str]:
        """A new key in one of the organization's workspaces; the secret is returned only here."""
        organization_id = actor.principal.organization_id
        with self.store.write() as conn:
            repo = TenancyRepository(conn)
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
            self._audit(conn, actor, "api_key.created", target.id)
        return key, secret

    def list_keys(self, principal: Principal) -> list[records.ApiKey]:
        with self.store.read() as conn:
            return TenancyRepository(conn).keys(principal.organization_id)

    def revoke_key(self, actor: Actor, key_id: str) -> records.ApiKey:
        organization_id = actor.principal.organization_id
        with self.store.write() as conn:
            repo = TenancyRepository(conn)
            key = repo.key(organization_id, key_id)
            if key is None:
                raise NotFound(f"API key '{key_id}' not found.", code="api_key_not_found")
            if key.revoked_at is None:
                repo.revoke_key(key_id, int(self.clock()))
                self._audit(conn, actor, "api_key.revoked", key.workspace_id)
        return key

    def _audit(self, conn: Connection, actor: Actor, action: str, workspace_id: str) -> None:
        AuditRepository(conn).append(
            created=int(self.clock()),
            organization_id=actor.principal.organization_id,
            workspace_id=workspace_id,
            action=action,
            actor_key_id=actor.principal.key_id,
            model_id=None,
            before=None,
            after=None,
            request_id=actor.request_id,
        )
