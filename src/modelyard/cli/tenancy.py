"""Where `workspaces` and `keys` act: the store (default), or a server's admin API with
`--server-url`. Both answer the admin API's wire types, so both print the same output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, cast

import typer

from modelyard import Modelyard
from modelyard.types import ApiKey, ApiKeyCreated, ApiKeyRevoked, Scope, Workspace

from .connection import connected


class Tenancy(Protocol):
    def create_workspace(self, name: str) -> Workspace: ...
    def list_workspaces(self) -> list[Workspace]: ...
    def create_key(self, workspace: str, scope: str, name: str | None) -> ApiKeyCreated: ...
    def list_keys(self, *, revoked: bool = False) -> list[ApiKey]: ...
    def revoke_key(self, key_id: str) -> ApiKeyRevoked: ...


class ApiTenancy:
    """The admin API (`/v1/workspaces`, `/v1/api_keys`), with an admin key."""

    def __init__(self, yard: Modelyard) -> None:
        self.yard = yard

    def create_workspace(self, name: str) -> Workspace:
        return self.yard.workspaces.create(name=name)

    def list_workspaces(self) -> list[Workspace]:
        return self.yard.workspaces.list().data

    def create_key(self, workspace: str, scope: str, name: str | None) -> ApiKeyCreated:
        # The server checks the scope (422 on anything else); the CLI's own choice already did.
        return self.yard.keys.create(workspace=workspace, scope=cast(Scope, scope), name=name)

    def list_keys(self, *, revoked: bool = False) -> list[ApiKey]:
        return self.yard.keys.list(all=revoked or None).data

    def revoke_key(self, key_id: str) -> ApiKeyRevoked:
        return self.yard.keys.revoke(key_id=key_id)


@contextmanager
def tenancy(
    database_url: str | None, server_url: str | None, api_key: str | None
) -> Iterator[Tenancy]:
    """The store's tenancy service, or the admin API when `--server-url` was given."""
    if server_url is not None:
        if not api_key:
            raise typer.BadParameter(
                "an admin key is needed with --server-url (or set MODELYARD_API_KEY)",
                param_hint="'--api-key'",
            )
        with connected(server_url, api_key) as yard:
            yield ApiTenancy(yard)
        return
    from .operator_store import StoreTenancy, opened_store

    with opened_store(database_url) as store:
        yield StoreTenancy(store)
