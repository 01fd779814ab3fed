"""The model service: the six Models operations and registration, with every rule of the contract.

Visibility: base models are visible to every key; a fine-tuned model only to keys of its own
workspace, and a model that is not visible is reported exactly like one that does not exist.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelyard.store import records
from modelyard.store.engine import Tx
from modelyard.types import MAX_LABELS, RegisterFTModelIn, UpdateFTModelIn
from modelyard.types.record import full_artifact

from . import cards, ids
from .audit import record_event
from .catalog_view import CatalogView
from .errors import (
    BaseModelImmutable,
    Conflict,
    NotFound,
    PreconditionFailed,
    RequestInvalid,
    model_not_found,
)
from .identity import Actor, Principal
from .listing import ListQuery, ModelPage, merge_page

Json = dict[str, Any]
GENERATED_JOB_ATTEMPTS = 16


@dataclass(frozen=True, slots=True)
class Versioned:
    """A response body and the ETag of the model it shows (None for base models)."""

    body: Json
    etag: str | None = None


class ModelService:
    """The rules of models. Every method takes the caller's transaction (`Tx`): reads work on any,
    changes need a write transaction (`Store.write()`, or `Store.write_together()` on the
    server, where concurrent changes share one)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        # The catalog view and the transaction that last checked its version: one tuple, so
        # threads swap both at once.
        self._view: tuple[CatalogView, object, int | None] = (CatalogView(-1, ()), None, None)

    # -- reads ------------------------------------------------------------------------------

    def catalog(self, tx: Tx) -> CatalogView:
        """The base models, reloaded only when a catalog sync changed them; checked once per
        transaction (the group-committed changes of a batch share one), and not at all while
        requests see the store revision of the last check: a sync is a write, so it moves the
        store revision."""
        view, checked_in, checked_at = self._view
        if checked_in is tx or (tx.revision is not None and tx.revision == checked_at):
            return view
        version = tx.catalog.version()
        if view.revision != version:
            view = CatalogView(version, tuple(tx.catalog.all()))
        self._view = (view, tx, tx.revision)
        return view

    def list(self, tx: Tx, principal: Principal, query: ListQuery) -> ModelPage:
        """Visible entries: base ones, then the workspace's fine-tuned ones, each followed by
        the entries of its aliases (see listing.py)."""
        view = self.catalog(tx)
        base = query.base_entries(view)
        if not query.wants_fine_tuned:
            return ModelPage(base) if query.limit is None else merge_page(base, [], query.limit)
        match, workspace = query.fine_tuned_match(view), principal.workspace_id
        if query.limit is None:
            tuned = tx.models.list_visible(workspace, match)
            aliased = tx.models.alias_entries(workspace, match)
        else:
            # One more than a page of each, to know whether another page follows.
            more = query.limit + 1
            tuned = tx.models.page_visible(workspace, match, after=query.after, limit=more)
            aliased = tx.models.alias_entries(workspace, match, after=query.after, limit=more)
        organization = principal.organization_id
        if query.limit is not None:
            page = [cards.fine_tuned_card(ft, organization) for ft in tuned]
            page += [
                cards.alias_card(cards.fine_tuned_card(ft, organization), name)
                for name, ft in aliased
            ]
            return merge_page(base, page, query.limit)
        entries = [(ft, "", cards.fine_tuned_card(ft, organization)) for ft in tuned]
        entries += [
            (ft, name, cards.alias_card(cards.fine_tuned_card(ft, organization), name))
            for name, ft in aliased
        ]
        # Newest model first; each model's own entry, then its aliases' entries by name.
        entries.sort(key=lambda entry: entry[1])
        entries.sort(key=lambda entry: (entry[0].created, entry[0].id), reverse=True)
        return ModelPage([*base, *(card for _, _, card in entries)])

    def counts(self, tx: Tx) -> dict[str, int]:
        """Models per type across the deployment: listed base models and live fine-tuned ones."""
        listed = {model.id for model in self.catalog(tx).by_name.values()}
        return {"base": len(listed), "fine-tuned": tx.models.count_live()}

    def retrieve(self, tx: Tx, principal: Principal, model_id: str) -> Versioned:
        """A fine-tuned model by id, a base model by id or alias, or the model a workspace alias
        names (its card with `id` = the alias). One statement looks for a fine-tuned model by
        id and by alias (a round trip less for an alias on PostgreSQL)."""
        organization = principal.organization_id
        found = tx.models.reachable(principal.workspace_id, model_id)
        for tuned in found:
            if tuned.id == model_id:
                return Versioned(cards.fine_tuned_card(tuned, organization), cards.etag(tuned))
        entry = self.catalog(tx).entry(model_id)
        if entry is not None:
            return Versioned(entry)
        if not found:
            raise model_not_found(model_id)
        target = found[0]
        card = cards.alias_card(cards.fine_tuned_card(target, organization), model_id)
        return Versioned(card, cards.etag(target))

    # -- changes ----------------------------------------------------------------------------

    def register(self, tx: Tx, actor: Actor, body: RegisterFTModelIn) -> tuple[Versioned, bool]:
        """Register the model a job produced; True when it is new, False for a replay."""
        principal = actor.principal
        job = ids.canonical_job(body.job)
        root = self.catalog(tx).resolve(body.root)
        if root is None:
            raise NotFound(f"Base model '{body.root}' not found.", param="root")
        digest = _registration_digest(body, root.id)
        existing = tx.models.by_job(principal.workspace_id, job)
        if existing is not None:
            return self._replay(existing, digest, principal), False
        workspace = tx.tenancy.workspace(principal.organization_id, principal.workspace_id)
        if workspace is None:
            raise NotFound("Workspace not found.", code="workspace_not_found")
        now = int(self.clock())
        model_id = ids.fine_tuned_id(root.id, workspace.tag, now, job, body.model_type)
        # Ids keep 8 hex digits of the job: a job the server drew may collide with an id of the
        # same day (tombstones included), so it draws again; a caller's job cannot.
        for _ in range(GENERATED_JOB_ATTEMPTS):
            if body.job is not None or not tx.models.id_taken(model_id):
                break
            job = ids.canonical_job(None)
            model_id = ids.fine_tuned_id(root.id, workspace.tag, now, job, body.model_type)
        if tx.models.id_taken(model_id):
            raise Conflict(f"Model '{model_id}' already exists.", param="job")
        model = records.FineTunedModel(
            id=model_id,
            workspace_id=principal.workspace_id,
            job=job,
            root=root.id,
            model_type=body.model_type,
            name=body.name if "name" in body.model_fields_set else body.suffix,
            description=body.description,
            capabilities=_capabilities(root, body),
            max_context_length=body.max_context_length or root.max_context_length,
            classifier_targets=(
                [target.model_dump() for target in body.classifier_targets]
                if body.classifier_targets
                else None
            ),
            archived=False,
            created=now,
            version=1,
            deleted_at=None,
            registration_digest=digest,
            labels=dict(sorted((body.labels or {}).items())),
            artifact=full_artifact(body.artifact.model_dump()) if body.artifact else None,
            aliases=[],
        )
        tx.models.add(model)
        card = cards.fine_tuned_card(model, principal.organization_id)
        self._audit(tx, actor, "model.registered", model_id, None, card)
        return Versioned(card, cards.etag(model)), True

    def _replay(
        self, existing: records.FineTunedModel, digest: str, principal: Principal
    ) -> Versioned:
        if existing.deleted_at is not None:
            raise Conflict(
                f"The model of job '{existing.job}' was deleted; a job cannot be registered again.",
                code="model_deleted",
                param="job",
            )
        if existing.registration_digest != digest:
            raise Conflict(
                f"Job '{existing.job}' is already registered as '{existing.id}' with other values.",
                param="job",
            )
        return Versioned(
            cards.fine_tuned_card(existing, principal.organization_id), cards.etag(existing)
        )

    def update(
        self, tx: Tx, actor: Actor, model_id: str, patch: UpdateFTModelIn, if_match: str | None
    ) -> Versioned:
        """A JSON merge patch of the model (of its labels and artifact too); a patch that
        changes nothing writes no event."""
        model = self._changeable(tx, actor.principal, model_id, if_match)
        changes = patch.model_dump(exclude_unset=True)
        if "labels" in changes:
            changes["labels"] = _patched_labels(model.labels, changes["labels"])
        if "artifact" in changes:
            changes["artifact"] = _patched_artifact(model.artifact, changes["artifact"])
        changes = {key: value for key, value in changes.items() if getattr(model, key) != value}
        if changes:
            model = self._change(tx, actor, "model.updated", model, **changes)
        root_version = self.catalog(tx).root_version(model.root)
        out = cards.fine_tuned_model_out(model, actor.principal.organization_id, root_version)
        return Versioned(out, cards.etag(model))

    def set_archived(
        self, tx: Tx, actor: Actor, model_id: str, archived: bool, if_match: str | None
    ) -> Versioned:
        """Archive or unarchive; idempotent (no change, no event, same ETag)."""
        model = self._changeable(tx, actor.principal, model_id, if_match)
        if model.archived != archived:
            action = "model.archived" if archived else "model.unarchived"
            model = self._change(tx, actor, action, model, archived=archived)
        return Versioned(
            {"id": model.id, "object": "model", "archived": archived}, cards.etag(model)
        )

    def delete(self, tx: Tx, actor: Actor, model_id: str, if_match: str | None) -> Json:
        """Tombstone the model: gone from list and retrieve, its id never reused. Refused while
        an alias names it: that alias would name nothing."""
        model = self._changeable(tx, actor.principal, model_id, if_match)
        if model.aliases:
            raise Conflict(
                f"Model '{model.id}' is named by the aliases {', '.join(model.aliases)}: move or "
                "delete them first (PUT or DELETE /v1/aliases/NAME).",
                code="model_has_aliases",
                param="model_id",
            )
        tx.models.change(model, deleted_at=int(self.clock()))
        before = cards.fine_tuned_card(model, actor.principal.organization_id)
        self._audit(tx, actor, "model.deleted", model.id, before, None)
        return {"id": model.id, "object": "model", "deleted": True}

    def _changeable(
        self, tx: Tx, principal: Principal, model_id: str, if_match: str | None
    ) -> records.FineTunedModel:
        """The visible fine-tuned model to change, after the 404 -> 403 -> 412 checks."""
        model = tx.models.visible(principal.workspace_id, model_id)
        if model is None:
            if self.catalog(tx).resolve(model_id) is not None:
                raise BaseModelImmutable(
                    f"'{model_id}' is a base model: only fine-tuned models can be changed.",
                    param="model_id",
                )
            target = tx.models.named(principal.workspace_id, model_id)
            if target is not None:
                # Never act on a model the caller did not name: a write addressed to an alias
                # would change whichever model the alias names at that moment.
                raise Conflict(
                    f"'{model_id}' is an alias of '{target.id}': change the model by its id, or "
                    f"move the alias with PUT /v1/aliases/{model_id}.",
                    code="alias_not_model",
                    param="model_id",
                )
            raise model_not_found(model_id)
        if if_match is not None and not etag_matches(if_match, cards.etag(model)):
            raise PreconditionFailed(
                f"Model '{model_id}' has changed: its ETag is {cards.etag(model)}.",
                param="If-Match",
            )
        return model

    def _change(
        self, tx: Tx, actor: Actor, action: str, model: records.FineTunedModel, **values: Any
    ) -> records.FineTunedModel:
        changed = tx.models.change(model, **values)
        organization_id = actor.principal.organization_id
        self._audit(
            tx,
            actor,
            action,
            model.id,
            cards.fine_tuned_card(model, organization_id),
            cards.fine_tuned_card(changed, organization_id),
        )
        return changed

    def _audit(
        self,
        tx: Tx,
        actor: Actor,
        action: str,
        model_id: str | None,
        before: Json | None,
        after: Json | None,
    ) -> None:
        record_event(
            tx, actor, int(self.clock()), action, model_id=model_id, before=before, after=after
        )


def etag_matches(if_match: str, current: str) -> bool:
    """RFC 9110 If-Match: `*` or a list of strong tags, one of which is the current one."""
    candidates = [candidate.strip() for candidate in if_match.split(",")]
    return "*" in candidates or current in candidates


def _patched_labels(current: dict[str, str], patch: dict[str, str | None] | None) -> dict[str, str]:
    """The labels after a merge patch (`null` removes a key; a `null` patch removes all)."""
    if patch is None:
        return {}
    labels = dict(current)
    for key, value in patch.items():
        if value is None:
            labels.pop(key, None)
        else:
            labels[key] = value
    if len(labels) > MAX_LABELS:
        raise RequestInvalid(
            [
                {
                    "type": "too_long",
                    "loc": ["body", "labels"],
                    "msg": f"A model carries at most {MAX_LABELS} labels; this patch would leave "
                    f"{len(labels)}",
                    "input": patch,
                    "ctx": {"max_length": MAX_LABELS},
                }
            ]
        )
    return dict(sorted(labels.items()))


def _patched_artifact(current: Json | None, patch: Json | None) -> Json | None:
    """The artifact after a merge patch inside it (`null` clears it); it must keep a `uri`."""
    if patch is None:
        return None
    merged = {**(current or {}), **patch}
    if merged.get("uri") is None:
        raise RequestInvalid(
            [
                {
                    "type": "missing",
                    "loc": ["body", "artifact", "uri"],
                    "msg": "Field required: an artifact says where the weights are",
                    "input": patch,
                }
            ]
        )
    return full_artifact(merged)


def _capabilities(root: records.BaseModel, body: RegisterFTModelIn) -> dict[str, bool]:
    flags = dict(root.capabilities)
    flags["fine_tuning"] = False
    if body.model_type == "classifier":
        flags["classification"] = True
    if body.capabilities is not None:
        flags.update(body.capabilities.model_dump(exclude_none=True))
    return flags


def _registration_digest(body: RegisterFTModelIn, root_id: str) -> str:
    """What a replay must repeat: every field as validated (defaults filled), job excluded."""
    fields = body.model_dump(mode="json", exclude={"job"})
    fields["root"] = root_id
    fields["name_given"] = "name" in body.model_fields_set
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
