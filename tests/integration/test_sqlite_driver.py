"""SQLite's write path on the driver (the SQLite dialect's repositories, store/sqlite.py) stores
and reads exactly what the portable repositories, on SQLAlchemy, do."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.store import records
from modelyard.store.audit_repository import AuditRepository
from modelyard.store.engine import Store
from modelyard.store.fine_tuned_repository import FineTunedRepository
from modelyard.store.tables import audit_events, fine_tuned_models, workspaces
from tests.support.app import prepared_store, settings_for


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with prepared_store(settings_for(f"sqlite:///{tmp_path / 'driver.db'}")) as prepared:
        yield prepared


def stored(store: Store, table: sa.Table, where: str) -> list[tuple[Any, ...]]:
    """The rows as SQLite holds them: each value with its storage class."""
    database = store.engine.url.database
    assert database is not None
    columns = ", ".join(f"{c.name}, typeof({c.name})" for c in table.columns if c.name != "id")
    with sqlite3.connect(database) as raw:
        return raw.execute(f"SELECT {columns} FROM {table.name} WHERE {where}").fetchall()


EVENT: dict[str, Any] = {
    "created": 1,
    "organization_id": "org",
    "workspace_id": None,
    "action": "model.updated",
    "actor_key_id": "key",
    "model_id": "ft:x",
    "before": None,
    "after": {"name": "é", "flags": [True, False, None], "n": 1.5},
    "request_id": "r",
}


def test_an_audit_event_is_stored_byte_for_byte_as_sqlalchemy_stores_it(store: Store):
    with store.write() as tx:
        tx.audit.append(**{**EVENT, "request_id": "driver"})
        AuditRepository(tx.conn).append(**{**EVENT, "request_id": "sqlalchemy"})
    by_driver = stored(store, audit_events, "request_id = 'driver'")
    by_sqlalchemy = stored(store, audit_events, "request_id = 'sqlalchemy'")
    assert [row[:-2] for row in by_driver] == [row[:-2] for row in by_sqlalchemy]


def model(model_id: str, workspace_id: str) -> records.FineTunedModel:
    return records.FineTunedModel(
        id=model_id, workspace_id=workspace_id, job=model_id[-8:].rjust(36, "0"),
        root="mistral-small-2506", model_type="classifier", name="n", description=None,
        capabilities={"completion_chat": False, "classification": True}, max_context_length=8,
        classifier_targets=[{"name": "t", "labels": ["a"], "weight": 1.0, "loss_function": None}],
        archived=False, created=1, version=1, deleted_at=None, registration_digest="d",
        labels={"team": "é"}, artifact=None, aliases=[],
    )  # fmt: skip


def test_a_model_is_read_and_changed_as_sqlalchemy_does(store: Store):
    with store.read() as tx:
        workspace = tx.conn.scalar(sa.select(workspaces.c.id))
    twins = [model("ft:a:00000001", workspace), model("ft:b:00000002", workspace)]
    with store.write() as tx:
        driver, portable = tx.models, FineTunedRepository(tx.conn)
        assert type(driver) is not FineTunedRepository
        for twin in twins:
            portable.add(twin)
        assert driver.visible(workspace, twins[0].id) == twins[0]
        changes = {"name": None, "description": "d", "archived": True}
        driver.change(twins[0], **changes)
        portable.change(twins[1], **changes)
        assert driver.visible(workspace, twins[0].id) == twins[0]._replace(**changes, version=2)
        assert portable.visible(workspace, twins[0].id) == twins[0]._replace(**changes, version=2)
    first, second = (stored(store, fine_tuned_models, f"id = '{t.id}'") for t in twins)
    assert [value for value in first[0] if value != twins[0].job] == [
        value for value in second[0] if value != twins[1].job
    ]


def test_driver_errors_are_sqlalchemy_errors(store: Store):
    with pytest.raises(sa.exc.IntegrityError), store.write() as tx:
        tx.audit.append(created=1, organization_id=None, action="x")
