"""Aliases: a workspace's names for its fine-tuned models, moved atomically.

A name is 1-64 characters of `[a-z0-9._-]` (so never an `ft:` id) and never a base model's id
or alias: through Mistral's API an alias stands for its model exactly as a base alias does
(models.py: retrieve and list). Each alias has a version, its ETag, so two promotions sent with
the same `If-Match` cannot cross: the second is a 412. A model's card lists its aliases; the
store keeps that list on the model row, so a move changes both models' versions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelyard.store import records
from modelyard.store.engine import Tx

from .audit import record_event
from .cards import alias_body, alias_etag
from .errors import Conflict, NotFound, PreconditionFailed
from .identity import Actor, Principal
from .models import ModelService, etag_matches

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class VersionedAlias:
    body: Json
    etag: str


class AliasService:
    def __init__(self, models: ModelService, clock: Callable[[], float] = time.time) -> None:
        self.models = models  # for the catalog: an alias never shadows a base name
        self.clock = clock

    def list(self, tx: Tx, principal: Principal) -> list[Json]:
        return [alias_body(alias) for alias in tx.aliases.all(principal.workspace_id)]

    def get(self, tx: Tx, principal: Principal, name: str) -> VersionedAlias:
        alias = _existing(tx, principal, name)
        return VersionedAlias(alias_body(alias), alias_etag(alias))

    def set(
        self,
        tx: Tx,
        actor: Actor,
        name: str,
        model_id: str,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> VersionedAlias:
        """Point the alias at a fine-tuned model of the workspace (create or move it)."""
        principal = actor.principal
        if self.models.catalog(tx).resolve(name) is not None:
            raise Conflict(
                f"'{name}' is a base model's name: an alias never shadows one.",
                code="alias_conflict",
                param="alias",
            )
        current = tx.aliases.get(principal.workspace_id, name)
        _check_preconditions(name, current, if_match, if_none_match)
        target = tx.models.visible(principal.workspace_id, model_id)
        if target is None:
            raise NotFound(
                f"'{model_id}' is not a fine-tuned model of this workspace: an alias names one "
                "by its id.",
                param="model",
            )
        if current is not None and current.model_id == target.id:
            return VersionedAlias(alias_body(current), alias_etag(current))  # nothing to move
        now = int(self.clock())
        moved = records.Alias(
            principal.workspace_id, name, target.id, current.version + 1 if current else 1, now
        )
        tx.aliases.put(moved)
        if current is not None:
            _rename(tx, principal, current.model_id, remove=name)
        _rename(tx, principal, target.id, add=name)
        before = alias_body(current) if current else None
        record_event(
            tx, actor, now, "alias.set", model_id=target.id, before=before, after=alias_body(moved)
        )
        return VersionedAlias(alias_body(moved), alias_etag(moved))

    def delete(self, tx: Tx, actor: Actor, name: str, if_match: str | None = None) -> Json:
        principal = actor.principal
        alias = _existing(tx, principal, name)
        _check_preconditions(name, alias, if_match, None)
        tx.aliases.delete(alias)
        _rename(tx, principal, alias.model_id, remove=name)
        record_event(
            tx,
            actor,
            int(self.clock()),
            "alias.deleted",
            model_id=alias.model_id,
            before=alias_body(alias),
        )
        return {"object": "alias", "id": name, "deleted": True}


def _existing(tx: Tx, principal: Principal, name: str) -> records.Alias:
    alias = tx.aliases.get(principal.workspace_id, name)
    if alias is None:
        raise NotFound(f"Alias '{name}' not found.", code="alias_not_found", param="alias")
    return alias


def _check_preconditions(
    name: str, current: records.Alias | None, if_match: str | None, if_none_match: str | None
) -> None:
    """RFC 9110: `If-Match` fails when the alias is absent or another version; `If-None-Match:
    *` fails when it exists (create only)."""
    if if_match is not None and (
        current is None or not etag_matches(if_match, alias_etag(current))
    ):
        etag = alias_etag(current) if current else "none: it does not exist"
        raise PreconditionFailed(
            f"Alias '{name}' has changed: its ETag is {etag}.", param="If-Match"
        )
    if if_none_match is not None and current is not None and if_none_match.strip() == "*":
        raise PreconditionFailed(f"Alias '{name}' already exists.", param="If-None-Match")


def _rename(
    tx: Tx,
    principal: Principal,
    model_id: str,
    *,
    add: str | None = None,
    remove: str | None = None,
) -> None:
    """Keep the model's own list of its aliases (its card shows them) in step."""
    model = tx.models.visible(principal.workspace_id, model_id)
    if model is None:
        return
    names = {*model.aliases, *([add] if add else [])} - {remove}
    tx.models.change(model, aliases=sorted(names))
