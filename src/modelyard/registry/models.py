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

from sqlalchemy.engine import Connection

from modelyard.store import records
from modelyard.store.audit_repository import AuditRepository
from modelyard.store.catalog_repository import CatalogRepository
from modelyard.store.engine import Store
from modelyard.store.fine_tuned_repository import FineTunedRepository
from modelyard.types import RegisterFTModelIn, UpdateFTModelIn

from . import cards, ids
from .catalog_view import CatalogView
from .errors import BaseModelImmutable, Conflict, NotFound, PreconditionFailed, model_not_found
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
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        # The catalog view and the transaction that last checked its version: one tuple, so
        # threads swap both at once.
        self._view: tuple[CatalogView, object] = (CatalogView(-1, ()), None)

    # -- reads ------------------------------------------------------------------------------

    def catalog(self, conn: Connection) -> CatalogView:
        """The base models, reloaded only when a catalog sync changed them; checked once per
        transaction (the group-committed writes of a batch share one)."""
        transaction = conn.get_transaction()
        view, checked_in = self._view
        if transaction is not None and checked_in is transaction:
            return view
        repo = CatalogRepository(conn)
        version = repo.version()
        if view.revision != version:
            view = CatalogView(version, tuple(repo.all()))
        self._view = (view, transaction)
        return view

    def list(self, principal: Principal, query: ListQuery | None = None) -> ModelPage:
        """Visible entries: base ones, then the workspace's fine-tuned ones (see listing.py)."""
        query = query or ListQuery()
        with self.store.read() as conn:
            view = self.catalog(conn)
            repo = FineTunedRepository(conn)
            match = query.fine_tuned_match(view)
            if not query.wants_fine_tuned:
                tuned = []
            elif query.limit is None:
                tuned = repo.list_visible(principal.workspace_id, match)
            else:
                # One more than a page, to know whether another page follows.
                tuned = repo.page_visible(
                    principal.workspace_id, match, after=query.after, limit=query.limit + 1
                )
        base = query.base_entries(view)
        tuned_cards = [cards.fine_tuned_card(ft, principal.organization_id) for ft in tuned]
        if query.limit is None:
            return ModelPage([*base, *tuned_cards])
        return merge_page(base, tuned_cards, query.limit)

    def counts(self) -> dict[str, int]:
        """Models per type across the deployment: listed base models and live fine-tuned ones."""
        with self.store.read() as conn:
            view = self.catalog(conn)
            tuned = FineTunedRepository(conn).count_live()
        listed = {model.id for model in view.by_name.values()}
        return {"base": len(listed), "fine-tuned": tuned}

    def retrieve(self, principal: Principal, model_id: str) -> Versioned:
        with self.store.read() as conn:
            view = self.catalog(conn)
            tuned = FineTunedRepository(conn).visible(principal.workspace_id, model_id)
        if tuned is not None:
            return Versioned(
                cards.fine_tuned_card(tuned, principal.organization_id), cards.etag(tuned)
            )
        entry = view.entry(model_id)
        if entry is None:
            raise model_not_found(model_id)
        return Versioned(entry)

    # -- registration -----------------------------------------------------------------------

    def register(self, actor: Actor, body: RegisterFTModelIn, tag: str) -> tuple[Versioned, bool]:
        """Register the model a job produced; True when it is new, False for a replay."""
        principal = actor.principal
        job = ids.canonical_job(body.job)
        with self.store.write() as conn:
            view = self.catalog(conn)
            root = view.resolve(body.root)
            if root is None:
                raise NotFound(f"Base model '{body.root}' not found.", param="root")
            digest = _registration_digest(body, root.id)
            repo = FineTunedRepository(conn)
            existing = repo.by_job(principal.workspace_id, job)
            if existing is not None:
                return self._replay(existing, digest, principal), False
            now = int(self.clock())
            model_id = ids.fine_tuned_id(root.id, tag, now, job, body.model_type)
            # Ids keep 8 hex digits of the job: a job the server drew may collide with an id of
            # the same day (tombstones included), so it draws again; a caller's job cannot.
            for _ in range(GENERATED_JOB_ATTEMPTS):
                if body.job is not None or not repo.id_taken(model_id):
                    break
                job = ids.canonical_job(None)
                model_id = ids.fine_tuned_id(root.id, tag, now, job, body.model_type)
            if repo.id_taken(model_id):
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
            )
            repo.add(model)
            card = cards.fine_tuned_card(model, principal.organization_id)
            self._audit(conn, actor, "model.registered", model_id, None, card)
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

    # -- changes ----------------------------------------------------------------------------

    # Each change is a function of the write transaction, run either on the caller's thread
    # (`update`, for the CLI and tests) or with other requests' writes in one transaction
    # (`update_async`, for the server's event loop: group commit, see store/group_commit.py).

    def update(
        self, actor: Actor, model_id: str, patch: UpdateFTModelIn, if_match: str | None
    ) -> Versioned:
        changes = patch.model_dump(include=patch.model_fields_set)
        with self.store.write() as conn:
            return self._update(conn, actor, model_id, changes, if_match)

    async def update_async(
        self, actor: Actor, model_id: str, patch: UpdateFTModelIn, if_match: str | None
    ) -> Versioned:
        changes = patch.model_dump(include=patch.model_fields_set)
        return await self.store.write_together(
            lambda conn: self._update(conn, actor, model_id, changes, if_match)
        )

    def set_archived(
        self, actor: Actor, model_id: str, archived: bool, if_match: str | None
    ) -> Versioned:
        """Archive or unarchive; idempotent (no change, no event, same ETag)."""
        with self.store.write() as conn:
            return self._set_archived(conn, actor, model_id, archived, if_match)

    async def set_archived_async(
        self, actor: Actor, model_id: str, archived: bool, if_match: str | None
    ) -> Versioned:
        return await self.store.write_together(
            lambda conn: self._set_archived(conn, actor, model_id, archived, if_match)
        )

    def delete(self, actor: Actor, model_id: str, if_match: str | None) -> Json:
        """Tombstone the model: gone from list and retrieve, its id never reused."""
        with self.store.write() as conn:
            return self._delete(conn, actor, model_id, if_match)

    async def delete_async(self, actor: Actor, model_id: str, if_match: str | None) -> Json:
        return await self.store.write_together(
            lambda conn: self._delete(conn, actor, model_id, if_match)
        )

    def _update(
        self,
        conn: Connection,
        actor: Actor,
        model_id: str,
        changes: Json,
        if_match: str | None,
    ) -> Versioned:
        model = self._changeable(conn, actor.principal, model_id, if_match)
        changes = {key: value for key, value in changes.items() if getattr(model, key) != value}
        if changes:
            model = self._change(conn, actor, "model.updated", model, **changes)
        root_version = self.catalog(conn).root_version(model.root)
        out = cards.fine_tuned_model_out(model, actor.principal.organization_id, root_version)
        return Versioned(out, cards.etag(model))

    def _set_archived(
        self, conn: Connection, actor: Actor, model_id: str, archived: bool, if_match: str | None
    ) -> Versioned:
        model = self._changeable(conn, actor.principal, model_id, if_match)
        if model.archived != archived:
            action = "model.archived" if archived else "model.unarchived"
            model = self._change(conn, actor, action, model, archived=archived)
        return Versioned(
            {"id": model.id, "object": "model", "archived": archived}, cards.etag(model)
        )

    def _delete(self, conn: Connection, actor: Actor, model_id: str, if_match: str | None) -> Json:
        model = self._changeable(conn, actor.principal, model_id, if_match)
        FineTunedRepository(conn).change(model, deleted_at=int(self.clock()))
        before = cards.fine_tuned_card(model, actor.principal.organization_id)
        self._audit(conn, actor, "model.deleted", model.id, before, None)
        return {"id": model.id, "object": "model", "deleted": True}

    def _changeable(
        self, conn: Connection, principal: Principal, model_id: str, if_match: str | None
    ) -> records.FineTunedModel:
        """The visible fine-tuned model to change, after the 404 -> 403 -> 412 checks."""
        model = FineTunedRepository(conn).visible(principal.workspace_id, model_id)
        if model is None:
            if self.catalog(conn).resolve(model_id) is not None:
                raise BaseModelImmutable(
                    f"'{model_id}' is a base model: only fine-tuned models can be changed.",
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
        self,
        conn: Connection,
        actor: Actor,
        action: str,
        model: records.FineTunedModel,
        **values: Any,
    ) -> records.FineTunedModel:
        changed = FineTunedRepository(conn).change(model, **values)
        organization_id = actor.principal.organization_id
        self._audit(
            conn,
            actor,
            action,
            model.id,
            cards.fine_tuned_card(model, organization_id),
            cards.fine_tuned_card(changed, organization_id),
        )
        return changed

    def _audit(
        self,
        conn: Connection,
        actor: Actor,
        action: str,
        model_id: str | None,
        before: Json | None,
        after: Json | None,
    ) -> None:
        AuditRepository(conn).append(
            created=int(self.clock()),
            organization_id=actor.principal.organization_id,
            workspace_id=actor.principal.workspace_id,
            action=action,
            actor_key_id=actor.principal.key_id,
            model_id=model_id,
            before=before,
            after=after,
            request_id=actor.request_id,
        )


def etag_matches(if_match: str, current: str) -> bool:
    """RFC 9110 If-Match: `*` or a list of strong tags, one of which is the current one."""
    candidates = [candidate.strip() for candidate in if_match.split(",")]
    return "*" in candidates or current in candidates


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
