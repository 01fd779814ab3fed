"""The list's filters and keyset paging (CONTRACT.md section 4) over base and fine-tuned entries.

Without `limit` the list keeps Mistral's order (base in catalog order, then fine-tuned newest
first). With `limit`, entries are ordered by id (byte order on every dialect) and a page holds the
first `limit` visible entries after `after`.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from modelyard.store.fine_tuned_repository import FineTunedMatch

from .catalog_view import CatalogView

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ListQuery:
    type: str | None = None
    archived: bool | None = None
    q: str | None = None
    provider: str | None = None
    model: str | None = None
    limit: int | None = None
    after: str | None = None
    # `label=k=v` / `label=k`, as (key, value) with None for "any value"; all must hold.
    labels: tuple[tuple[str, str | None], ...] = ()

    @staticmethod
    def label_selectors(raw: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
        """`stage=prod` -> ("stage", "prod"); `stage` -> ("stage", None)."""
        return tuple(
            (key, value if sep else None) for key, sep, value in (s.partition("=") for s in raw)
        )

    @property
    def wants_base(self) -> bool:
        # Base models count as not archived.
        return self.type in (None, "base") and self.archived is not True

    @property
    def wants_fine_tuned(self) -> bool:
        return self.type in (None, "fine-tuned")

    def fine_tuned_match(self, view: CatalogView) -> FineTunedMatch:
        roots = None
        if self.provider is not None:
            roots = frozenset(m.id for m in view.models if m.provider == self.provider)
        return FineTunedMatch(
            archived=self.archived, text=self.q, roots=roots, model=self.model, labels=self.labels
        )

    def base_entries(self, view: CatalogView) -> list[Json]:
        """The catalog's entries that pass the filters, each filter applied only when set (a
        label page walks the catalog once, for its labels alone)."""
        if not self.wants_base:
            return []
        entries = list(view.entries)
        if self.provider is not None:
            entries = [entry for entry in entries if entry["owned_by"] == self.provider]
        if self.model is not None:
            entries = [entry for entry in entries if self.model in (entry["id"], entry["name"])]
        if self.q is not None:
            needle = self.q.lower()
            entries = [entry for entry in entries if _contains(entry, needle)]
        if self.after is not None and self.limit is not None:
            entries = [entry for entry in entries if entry["id"] > self.after]
        for key, value in self.labels:
            entries = [entry for entry in entries if _carries(entry["labels"], key, value)]
        return entries


@dataclass(frozen=True, slots=True)
class ModelPage:
    data: list[Json]
    paged: bool = False
    has_more: bool = False

    def body(self) -> Json:
        body: Json = {"object": "list", "data": self.data}
        if self.paged:
            body["has_more"] = self.has_more
            body["last_id"] = self.data[-1]["id"] if self.data else None
        return body


def merge_page(base: list[Json], tuned: list[Json], limit: int) -> ModelPage:
    """The first `limit` entries of both sorted sources, in id order."""
    merged = sorted([*base, *tuned], key=_ID)
    return ModelPage(merged[:limit], paged=True, has_more=len(merged) > limit)


_ID = itemgetter("id")


def _carries(labels: dict[str, str], key: str, value: str | None) -> bool:
    return key in labels and (value is None or labels[key] == value)


def _contains(entry: Json, needle: str) -> bool:
    return any(
        needle in value.lower()
        for value in (entry["id"], entry["name"], entry["description"])
        if isinstance(value, str)
    )
