"""Catalog sync: a base model that leaves the catalog disappears; its fine-tunes keep working."""

import threading
import time
from pathlib import Path

from modelyard.catalog import load_catalog
from modelyard.registry.catalog_sync import sync_catalog
from modelyard.store.engine import Store
from tests.support.app import Harness
from tests.support.server import TEST_CATALOG


def test_a_model_leaving_the_catalog_disappears_but_its_fine_tunes_keep_working(
    app: Harness, tmp_path: Path
):
    tuned = app.register(root="codestral-latest")
    smaller = [entry for entry in load_catalog(TEST_CATALOG) if entry.id != "codestral-2508"]
    assert sync_catalog(app.store, smaller) is True
    ids = [entry["id"] for entry in app.call("GET", "/v1/models").json()["data"]]
    assert "codestral-2508" not in ids
    assert "codestral-latest" not in ids
    assert app.call("GET", "/v1/models/codestral-2508").status_code == 404
    assert app.call("GET", f"/v1/models/{tuned['id']}").json()["root"] == "codestral-2508"
    out = app.call("PATCH", f"/v1/fine_tuning/models/{tuned['id']}", json={"name": "still here"})
    assert out.status_code == 200
    assert out.json()["root_version"] == "2508"
    refused = app.call("POST", "/v1/fine_tuning/models", json={"root": "codestral-2508"})
    assert refused.status_code == 404


def test_a_sync_with_nothing_changed_writes_nothing(app: Harness):
    revision = app.store.revision()
    assert sync_catalog(app.store, load_catalog(TEST_CATALOG)) is False
    assert app.store.revision() == revision


def test_a_changed_entry_is_served_at_once(app: Harness):
    entries = load_catalog(TEST_CATALOG)
    renamed = [
        entry.model_copy(update={"description": "New words."})
        if entry.id == "open-mistral-7b"
        else entry
        for entry in entries
    ]
    app.call("GET", "/v1/models/open-mistral-7b")  # warm every cache
    sync_catalog(app.store, renamed)
    assert app.call("GET", "/v1/models/open-mistral-7b").json()["description"] == "New words."


def test_a_sync_by_another_process_is_listed_at_once(app: Harness):
    """As `modelyard catalog sync` beside a running server: its write moves the store revision,
    which every request checks before it trusts the catalog it holds."""
    entries = load_catalog(TEST_CATALOG)
    assert "open-mistral-7b" in _listed(app)  # the catalog is loaded and checked
    other = Store.from_url(app.store.dialect.url.render_as_string(hide_password=False))
    try:
        assert sync_catalog(other, [e for e in entries if e.id != "open-mistral-7b"]) is True
    finally:
        other.dispose()
    assert "open-mistral-7b" not in _listed(app)


def _listed(app: Harness) -> list[str]:
    return [entry["id"] for entry in app.call("GET", "/v1/models").json()["data"]]


def test_a_write_that_waited_for_a_sync_uses_the_synced_catalog(app: Harness):
    """A sync by another process holds the store's write lock while a registration waits for
    it: once it commits, the registration reads the catalog as the sync left it (on PostgreSQL
    the catalog version is read with the revision bump, after the bump's wait)."""
    app.register(root="open-mistral-7b")  # the write path has read the catalog
    other = Store.from_url(app.store.dialect.url.render_as_string(hide_password=False))
    keep = {entry.id for entry in load_catalog(TEST_CATALOG)} - {"open-mistral-7b"}
    holding = threading.Event()

    def sync_holding_the_lock() -> None:
        with other.write() as tx:
            tx.catalog.retire_all_but(keep)
            tx.catalog.bump_version()
            holding.set()
            time.sleep(0.5)  # the registration below waits for this transaction

    syncing = threading.Thread(target=sync_holding_the_lock)
    syncing.start()
    try:
        assert holding.wait(5)
        refused = app.call("POST", "/v1/fine_tuning/models", json={"root": "open-mistral-7b"})
    finally:
        syncing.join()
        other.dispose()
    assert refused.status_code == 404, refused.text
