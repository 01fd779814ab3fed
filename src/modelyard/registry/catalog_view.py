"""The base models as the registry sees them: loaded from the store, indexed by every name."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelyard.store import records

from .cards import Json, base_entries


@dataclass(frozen=True)
class CatalogView:
    """A snapshot of the base models at one catalog version."""

    revision: int
    models: tuple[records.BaseModel, ...]
    by_name: dict[str, records.BaseModel] = field(init=False)
    by_id: dict[str, records.BaseModel] = field(init=False)
    entries: tuple[Json, ...] = field(init=False)
    by_entry: dict[str, Json] = field(init=False)

    def __post_init__(self) -> None:
        listed = [model for model in self.models if model.in_catalog]
        object.__setattr__(
            self, "by_name", {name: m for m in listed for name in (m.id, *m.aliases)}
        )
        object.__setattr__(self, "by_id", {model.id: model for model in self.models})
        object.__setattr__(
            self, "entries", tuple(entry for model in listed for entry in base_entries(model))
        )
        object.__setattr__(self, "by_entry", {entry["id"]: entry for entry in self.entries})

    def resolve(self, name: str) -> records.BaseModel | None:
        """The listed base model with this id or alias."""
        return self.by_name.get(name)

    def entry(self, name: str) -> Json | None:
        """The card for this name: for an alias, `id` is the alias."""
        return self.by_entry.get(name)

    def root_version(self, root: str) -> str:
        model = self.by_id.get(root)
        return model.version if model and model.version else root
