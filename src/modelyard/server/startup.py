"""Start-up work: migrate, sync the catalog, create the first key. Safe for racing starters."""

from __future__ import annotations

from modelyard.catalog import load_catalog
from modelyard.registry.catalog_sync import sync_catalog
from modelyard.registry.tenancy import TenancyService
from modelyard.settings import Settings
from modelyard.store import migrate
from modelyard.store.engine import Store, startup_lock


def prepare(settings: Settings, *, run_migrations: bool = True) -> str | None:
    """Make the store ready to serve. Returns the first admin key when this call created it."""
    entries = load_catalog(settings.catalog)
    store = Store.from_url(settings.database_url)
    try:
        with startup_lock(store.engine):
            if run_migrations:
                migrate.upgrade(store.engine)
            sync_catalog(store, entries)
            given = settings.admin_key.get_secret_value() if settings.admin_key else None
            with store.write() as tx:
                return TenancyService().bootstrap(tx, given)
    finally:
        store.dispose()
