"""Operator commands on the store itself, no server: open it, act as the operator, map failures.

Imported only by operator commands: it loads SQLAlchemy, Alembic and the registry, which user
commands must never pay for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError

from modelyard.catalog import CatalogError
from modelyard.registry.cards import api_key_body, workspace_body
from modelyard.registry.errors import NotFound, RegistryError
from modelyard.registry.identity import Actor
from modelyard.registry.tenancy import TenancyService
from modelyard.settings import Settings
from modelyard.store import migrate, records
from modelyard.store.engine import Store, normalize_url
from modelyard.store.urls import UnsupportedUrl, checked_url
from modelyard.types import (
    ApiKey,
    ApiKeyCreated,
    ApiKeyCreateIn,
    ApiKeyRevoked,
    Workspace,
    WorkspaceCreateIn,
)

from .output import fail
from .problems import plain_problems


def settings_for(database_url: str | None) -> Settings:
    """The environment's settings (MODELYARD_*), with the flag on top; a database URL no store
    can open, or a malformed setting, ends the command with one line saying what to do."""
    try:
        settings = Settings()
    except ValidationError as error:
        fail(f"a MODELYARD_* setting is not valid: {_settings_problems(error)}")
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    usable_url(settings.database_url)
    return settings


def usable_url(url: str) -> str:
    try:
        checked_url(url)
    except UnsupportedUrl as error:
        fail(str(error))
    return url


def _settings_problems(error: ValidationError) -> str:
    items = [{**item, "loc": [f"MODELYARD_{item['loc'][0]}".upper()]} for item in error.errors()]
    return plain_problems(items)


def shown_url(database_url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return normalize_url(database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return database_url


@contextmanager
def reporting() -> Iterator[None]:
    """Domain, validation, catalog and database failures as one line, like the API's errors."""
    try:
        yield
    except RegistryError as error:
        fail(error.message, code=f"{error.status} {error.code}")
    except ValidationError as error:
        fail(plain_problems(error.errors()), code="422")
    except CatalogError as error:
        message = str(error)
        cause = error.__cause__
        if isinstance(cause, ValidationError):  # "catalog X, models[3]: <pydantic's report>"
            message = f"{message.removesuffix(str(cause)).rstrip(': ')}: "
            message += plain_problems(cause.errors())
        fail(message, code="catalog_invalid")
    except sa.exc.OperationalError as error:
        fail(f"cannot use the store: {error.orig or error}", code="store_unavailable")


@contextmanager
def opened_store(
    database_url: str | None, *, require_schema: bool = True, any_schema: bool = False
) -> Iterator[Store]:
    """The store, checked to hold the current schema (any schema with `any_schema`) unless
    asked not to."""
    url = settings_for(database_url).database_url
    parsed = normalize_url(url)
    if require_schema and parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not Path(database).exists():
            # Opening it would create an empty file; say what to do instead, and which file was
            # meant (a relative path is relative to where the command ran).
            fail(
                f"no store at {Path(database).resolve()} ({shown_url(url)}): "
                "run `modelyard init` first, or point --database-url at your store"
            )
    with reporting():
        store = Store.from_url(url)
        try:
            if require_schema:
                _check_schema(store, url, any_schema)
            yield store
        finally:
            store.dispose()


def _check_schema(store: Store, url: str, any_schema: bool) -> None:
    current = migrate.current(store.engine)
    if current is None:
        fail(f"the store at {shown_url(url)} has no schema yet: run `modelyard init` first")
    if not any_schema and current not in migrate.heads():
        fail(
            f"the store at {shown_url(url)} is at schema {current}, not the current one: "
            "run `modelyard db upgrade`"
        )


def operator_actor(store: Store) -> Actor:
    """The operator at the console: admin of the default organization, with no key."""
    try:
        with store.read() as tx:
            return TenancyService().operator_actor(tx)
    except NotFound:
        fail("the store has no default organization yet: run `modelyard init` first")


class StoreTenancy:
    """Workspaces and keys through `TenancyService`, answering the admin API's wire types."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.service = TenancyService()
        self.actor = operator_actor(store)

    def create_workspace(self, name: str) -> Workspace:
        # Checked here as the route checks its body, so a bad name reads as the API's 422 would.
        checked = WorkspaceCreateIn(name=name)
        with self.store.write() as tx:
            return _workspace(self.service.create_workspace(tx, self.actor, checked.name))

    def list_workspaces(self) -> list[Workspace]:
        with self.store.read() as tx:
            found = self.service.list_workspaces(tx, self.actor.principal)
        return [_workspace(each) for each in found]

    def create_key(self, workspace: str, scope: str, name: str | None) -> ApiKeyCreated:
        checked = ApiKeyCreateIn.model_validate(
            {"workspace": workspace, "scope": scope, "name": name}
        )
        with self.store.write() as tx:
            key, secret = self.service.create_key(
                tx, self.actor, checked.workspace, checked.scope, checked.name
            )
        return ApiKeyCreated.model_validate({**api_key_body(key), "key": secret})

    def list_keys(self, *, revoked: bool = False) -> list[ApiKey]:
        with self.store.read() as tx:
            found = self.service.list_keys(tx, self.actor.principal, revoked=revoked)
        return [_key(each) for each in found]

    def revoke_key(self, key_id: str) -> ApiKeyRevoked:
        with self.store.write() as tx:
            key = self.service.revoke_key(tx, self.actor, key_id)
        return ApiKeyRevoked(object="api_key", id=key.id, revoked=True)


def _workspace(workspace: records.Workspace) -> Workspace:
    return Workspace.model_validate(workspace_body(workspace))


def _key(key: records.ApiKey) -> ApiKey:
    return ApiKey.model_validate(api_key_body(key))
