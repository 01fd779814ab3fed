"""Render store records as the contract's JSON objects (plain dicts; the wire types define them).

Built as dicts, not pydantic objects, because the read path serves them at request rate; a test
checks that every rendered dict validates against its type in `modelyard.types`.
"""

from __future__ import annotations

from typing import Any

from modelyard.store import records
from modelyard.types import CAPABILITY_FLAGS, FT_CAPABILITY_FLAGS

Json = dict[str, Any]


def base_entries(model: records.BaseModel) -> list[Json]:
    """One card per name of a base model: its canonical id, then each alias."""
    names = (model.id, *model.aliases)
    return [base_card(model, name, [other for other in names if other != name]) for name in names]


def base_card(model: records.BaseModel, entry_id: str, aliases: list[str]) -> Json:
    return {
        "id": entry_id,
        "object": "model",
        "created": model.created,
        "owned_by": model.provider,
        "capabilities": _all_flags(model.capabilities),
        "name": model.id,
        "description": model.description,
        "max_context_length": model.max_context_length,
        "aliases": aliases,
        "deprecation": model.deprecation,
        "deprecation_replacement_model": model.deprecation_replacement_model,
        "default_model_temperature": model.default_model_temperature,
        "labels": model.labels,
        "artifact": model.artifact,
        "type": "base",
    }


def fine_tuned_card(model: records.FineTunedModel, organization_id: str) -> Json:
    """The model's own card; its `aliases` are its workspace aliases, sorted."""
    return {
        "id": model.id,
        "object": "model",
        "created": model.created,
        "owned_by": organization_id,
        "capabilities": _all_flags(model.capabilities),
        "name": model.name,
        "description": model.description,
        "max_context_length": model.max_context_length,
        "aliases": model.aliases,
        "deprecation": None,
        "deprecation_replacement_model": None,
        "default_model_temperature": None,
        "labels": model.labels,
        "artifact": model.artifact,
        "type": "fine-tuned",
        "job": model.job,
        "root": model.root,
        "archived": model.archived,
    }


def alias_card(card: Json, alias: str) -> Json:
    """The entry an alias stands for: the model's card with `id` = the alias, and as `aliases`
    the model's other names (its id, then its other aliases), never the entry's own."""
    others = [name for name in card["aliases"] if name != alias]
    return {**card, "id": alias, "aliases": [card["id"], *others]}


def fine_tuned_model_out(
    model: records.FineTunedModel, organization_id: str, root_version: str
) -> Json:
    """The update response: a different shape from the card, discriminated by `model_type`."""
    out: Json = {
        "id": model.id,
        "object": "model",
        "created": model.created,
        "owned_by": organization_id,
        "workspace_id": model.workspace_id,
        "root": model.root,
        "root_version": root_version,
        "archived": model.archived,
        "name": model.name,
        "description": model.description,
        "capabilities": {flag: bool(model.capabilities.get(flag)) for flag in FT_CAPABILITY_FLAGS},
        "max_context_length": model.max_context_length,
        "aliases": model.aliases,
        "job": model.job,
        "labels": model.labels,
        "artifact": model.artifact,
        "model_type": model.model_type,
    }
    if model.model_type == "classifier":
        out["classifier_targets"] = model.classifier_targets or []
    return out


def workspace_body(workspace: records.Workspace) -> Json:
    return {
        "object": "workspace",
        "id": workspace.id,
        "name": workspace.name,
        "tag": workspace.tag,
        "created": workspace.created,
    }


def api_key_body(key: records.ApiKey) -> Json:
    """A key as the admin API shows it: never its secret (that is only in the creation answer).

    The contract's shape, plus `revoked_at` on a revoked key (listed only with `all=true`).
    """
    body: Json = {
        "object": "api_key",
        "id": key.id,
        "name": key.name,
        "scope": key.scope,
        "workspace_id": key.workspace_id,
        "created": key.created,
        "last_used_at": key.last_used_at,
    }
    if key.revoked_at is not None:
        body["revoked_at"] = key.revoked_at
    return body


def alias_body(alias: records.Alias) -> Json:
    return {
        "object": "alias",
        "id": alias.name,
        "model": alias.model_id,
        "workspace_id": alias.workspace_id,
        "updated": alias.updated,
    }


def alias_etag(alias: records.Alias) -> str:
    return f'"a{alias.version}"'


def etag(model: records.FineTunedModel) -> str:
    return f'"v{model.version}"'


def _all_flags(capabilities: dict[str, bool]) -> dict[str, bool]:
    """Every flag, False when absent. Shared between the cards of models with the same
    capabilities (cards are written out, never changed): a page of 50 cards builds it once,
    not 50 times. At most `_FLAG_SETS` sets are kept."""
    key = tuple(capabilities.items())
    flags = _FLAGS.get(key)
    if flags is None:
        flags = {flag: bool(capabilities.get(flag)) for flag in CAPABILITY_FLAGS}
        if len(_FLAGS) < _FLAG_SETS:
            _FLAGS[key] = flags
    return flags


_FLAG_SETS = 1024
_FLAGS: dict[tuple[tuple[str, bool], ...], dict[str, bool]] = {}
