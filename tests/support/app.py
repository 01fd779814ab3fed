"""An in-process app on a fresh store, driven through Starlette's TestClient (real HTTP semantics,
real database, no server process)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from modelyard.server import create_app
from modelyard.server.startup import prepare
from modelyard.settings import Settings
from modelyard.store.engine import Store
from modelyard.store.tables import audit_events, fine_tuned_models

from .server import TEST_CATALOG

ADMIN_KEY = "myd_test_admin_key_000000000000000000000000"


@dataclass
class Harness:
    http: TestClient
    store: Store

    def call(
        self, method: str, path: str, key: str | None = ADMIN_KEY, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.request(method, path, headers=headers, **kwargs)

    def workspace(self, name: str | None = None) -> dict[str, Any]:
        response = self.call(
            "POST", "/v1/workspaces", json={"name": name or f"ws-{uuid.uuid4().hex[:10]}"}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def key(self, scope: str = "write", workspace: str | None = None) -> str:
        """A key of `workspace` (by id or name), or of a brand-new workspace."""
        workspace = workspace or self.workspace()["id"]
        response = self.call("POST", "/v1/api_keys", json={"workspace": workspace, "scope": scope})
        assert response.status_code == 201, response.text
        return str(response.json()["key"])

    def register(self, key: str = ADMIN_KEY, **body: Any) -> dict[str, Any]:
        body.setdefault("root", "mistral-small-2506")
        response = self.call("POST", "/v1/fine_tuning/models", key, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def snapshot(self) -> tuple[list[Any], list[Any]]:
        """Every fine-tuned row and audit event: a refused request must leave them as they were."""
        with self.store.read() as tx:
            models = tx.conn.execute(
                sa.select(fine_tuned_models).order_by(fine_tuned_models.c.id)
            ).all()
            events = tx.conn.execute(sa.select(audit_events).order_by(audit_events.c.id)).all()
        return [tuple(row) for row in models], [tuple(row) for row in events]

    def events(self, action: str | None = None) -> list[Any]:
        with self.store.read() as tx:
            query = sa.select(audit_events).order_by(audit_events.c.id)
            if action:
                query = query.where(audit_events.c.action == action)
            return list(tx.conn.execute(query).mappings())


def settings_for(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "admin_key": SecretStr(ADMIN_KEY),
        "catalog": TEST_CATALOG,
        **overrides,
    }
    return Settings(**values)


@contextmanager
def prepared_store(settings: Settings) -> Iterator[Store]:
    """The store as a starting server finds it: migrated, catalog synced, first admin key."""
    prepare(settings)
    store = Store.from_url(settings.database_url)
    try:
        yield store
    finally:
        store.dispose()


@contextmanager
def harness(database_url: str, **overrides: Any) -> Iterator[Harness]:
    settings = settings_for(database_url, **overrides)
    with prepared_store(settings) as store, TestClient(create_app(settings, store)) as http:
        yield Harness(http, store)
