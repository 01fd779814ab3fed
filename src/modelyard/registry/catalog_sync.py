"""Sync the catalog file into the store: new and changed models upserted, missing ones unlisted.

A base model that leaves the catalog disappears from list and retrieve, but its row stays, so
its fine-tuned descendants keep their root (and its version).
"""

from __future__ import annotations

from modelyard.catalog import CatalogEntry
from modelyard.store import records
from modelyard.store.engine import Store
from modelyard.types.record import full_artifact


def sync_catalog(store: Store, entries: list[CatalogEntry]) -> bool:
    """Make the store's base models match the catalog; True when anything changed."""
    wanted = [_record(position, entry) for position, entry in enumerate(entries)]
    with store.read() as tx:
        current = tx.catalog.all()
    if [model for model in current if model.in_catalog] == wanted:
        return False
    with store.write() as tx:
        repo = tx.catalog
        for model in wanted:
            repo.upsert(model)
        repo.retire_all_but({model.id for model in wanted})
        repo.bump_version()
    return True


def _record(position: int, entry: CatalogEntry) -> records.BaseModel:
    return records.BaseModel(
        id=entry.id,
        position=position,
        in_catalog=True,
        provider=entry.provider,
        version=entry.version,
        description=entry.description,
        created=entry.created,
        max_context_length=entry.max_context_length,
        aliases=entry.aliases,
        capabilities=entry.capabilities,
        default_model_temperature=entry.default_model_temperature,
        deprecation=entry.deprecation,
        deprecation_replacement_model=entry.deprecation_replacement_model,
        labels=dict(entry.labels),
        artifact=full_artifact(entry.artifact.model_dump()) if entry.artifact else None,
    )
