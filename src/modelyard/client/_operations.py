"""The pure half of every operation: what request it makes, and how its response is read.

Nothing here does I/O, so the sync and async methods share all of it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..types import (
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyRevoked,
    ArchiveFTModelOut,
    AuditAction,
    AuditEventList,
    CapabilitiesIn,
    ClassifierFTModelOut,
    ClassifierTargetIn,
    CompletionFTModelOut,
    DeleteModelOut,
    FTModelCard,
    FTModelOut,
    Me,
    Scope,
    UnarchiveFTModelOut,
    Workspace,
    WorkspaceList,
)
from ._cards import AnyModelCard, ModelListResult
from ._errors import error_from_response, unreadable_response
from ._sentinel import NOT_GIVEN, NotGiven

_Output = TypeVar("_Output", bound=BaseModel)
_Cursor = TypeVar("_Cursor", str, int)


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request of an operation, before it meets a client."""

    method: str
    path: str
    params: dict[str, str] | None = None
    body: bytes | None = None
    if_match: str | None = None
    # False for a call that a second attempt would carry out twice (creating a workspace or a
    # key): it is retried only when the server certainly did not act on the first attempt.
    idempotent: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """The final response of a call, and whether an earlier attempt may have been carried out."""

    response: httpx.Response
    earlier_attempt_uncertain: bool = False


def model_path(prefix: str, model_id: str, suffix: str = "") -> str:
    if not model_id:
        raise ValueError("model_id must not be empty")
    # `/` is encoded so an id like `meta-llama/Llama-3.1-8B` stays one path segment; `:` (in every
    # fine-tuned id) is legal in a path segment and kept readable.
    return f"{prefix}/{quote(model_id, safe=':')}{suffix}"


def _segment(name: str, value: str) -> str:
    if not value:
        raise ValueError(f"{name} must not be empty")
    return quote(value, safe="")


def _json(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


# --- requests ---------------------------------------------------------------------------------


def list_models(
    *,
    type: Literal["base", "fine-tuned"] | None,
    archived: bool | None,
    q: str | None,
    provider: str | None,
    model: str | None,
    limit: int | None,
    after: str | None,
) -> Call:
    given = {"type": type, "q": q, "provider": provider, "model": model, "after": after}
    params = {key: value for key, value in given.items() if value is not None}
    if archived is not None:
        params["archived"] = "true" if archived else "false"
    if limit is not None:
        params["limit"] = str(limit)
    return Call("GET", "/v1/models", params or None)


def retrieve_model(model_id: str) -> Call:
    return Call("GET", model_path("/v1/models", model_id))


def delete_model(model_id: str, if_match: str | None) -> Call:
    return Call("DELETE", model_path("/v1/models", model_id), if_match=if_match)


def update_model(
    model_id: str,
    *,
    name: str | NotGiven | None,
    description: str | NotGiven | None,
    if_match: str | None,
) -> Call:
    # A JSON merge patch: only the keys the caller gave, and `None` is sent as null (clears it).
    patch = {
        key: value
        for key, value in (("name", name), ("description", description))
        if value is not NOT_GIVEN
    }
    return Call(
        "PATCH",
        model_path("/v1/fine_tuning/models", model_id),
        body=_json(patch),
        if_match=if_match,
    )


def archive_model(model_id: str, if_match: str | None) -> Call:
    path = model_path("/v1/fine_tuning/models", model_id, "/archive")
    return Call("POST", path, if_match=if_match)


def unarchive_model(model_id: str, if_match: str | None) -> Call:
    path = model_path("/v1/fine_tuning/models", model_id, "/archive")
    return Call("DELETE", path, if_match=if_match)


def register_model(
    *,
    root: str,
    job: str | uuid.UUID | None,
    name: str | None,
    description: str | None,
    suffix: str | None,
    model_type: Literal["completion", "classifier"] | None,
    classifier_targets: Sequence[ClassifierTargetIn | Mapping[str, Any]] | None,
    capabilities: CapabilitiesIn | Mapping[str, bool] | None,
    max_context_length: int | None,
) -> Call:
    # The job id is fixed here, before the first attempt: the server answers a replay of the same
    # job and body with the card it already made, so every retry is safe.
    body: dict[str, Any] = {"root": root, "job": str(job if job is not None else uuid.uuid4())}
    optional = {
        "name": name,
        "description": description,
        "suffix": suffix,
        "model_type": model_type,
        "max_context_length": max_context_length,
    }
    body.update((key, value) for key, value in optional.items() if value is not None)
    if classifier_targets is not None:
        body["classifier_targets"] = [_plain(target) for target in classifier_targets]
    if capabilities is not None:
        body["capabilities"] = _plain(capabilities)
    return Call("POST", "/v1/fine_tuning/models", body=_json(body))


def get_me() -> Call:
    return Call("GET", "/v1/me")


def create_workspace(name: str) -> Call:
    return Call("POST", "/v1/workspaces", body=_json({"name": name}), idempotent=False)


def list_workspaces() -> Call:
    return Call("GET", "/v1/workspaces")


def create_api_key(workspace: str, scope: Scope, name: str | None) -> Call:
    body = {"workspace": workspace, "scope": scope}
    if name is not None:
        body["name"] = name
    return Call("POST", "/v1/api_keys", body=_json(body), idempotent=False)


def list_api_keys() -> Call:
    return Call("GET", "/v1/api_keys")


def revoke_api_key(key_id: str) -> Call:
    # Revoking is idempotent on the server: a second revoke answers 200 like the first.
    return Call("DELETE", f"/v1/api_keys/{_segment('key_id', key_id)}")


def list_audit_events(
    *, after: int | None, limit: int | None, model_id: str | None, action: AuditAction | None
) -> Call:
    params: dict[str, str] = {}
    if after is not None:
        params["after"] = str(after)
    if limit is not None:
        params["limit"] = str(limit)
    if model_id is not None:
        params["model_id"] = model_id
    if action is not None:
        params["action"] = action
    return Call("GET", "/v1/audit/events", params or None)


def next_after(
    has_more: bool | None, last_id: _Cursor | None, after: _Cursor | None
) -> _Cursor | None:
    """The `after` of the page following one, or None when that page was the last.

    A page that says `has_more` but gives no new `last_id` ends the walk too, so a server that
    does not page (no `has_more`) or misbehaves can never make an iterator loop forever.
    """
    if not has_more or last_id is None or last_id == after:
        return None
    return last_id


def _plain(value: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return dict(value)


# --- responses --------------------------------------------------------------------------------


@cache
def _card_adapter() -> TypeAdapter[AnyModelCard]:
    return TypeAdapter(AnyModelCard)


@cache
def _ft_model_adapter() -> TypeAdapter[FTModelOut]:
    return TypeAdapter(FTModelOut)


def _success(outcome: Outcome) -> httpx.Response:
    response = outcome.response
    if response.status_code >= 400:
        raise error_from_response(response)
    return response


def _read(model: type[_Output], outcome: Outcome) -> _Output:
    response = _success(outcome)
    try:
        return model.model_validate_json(response.content)
    except ValidationError as problem:
        raise unreadable_response(response, problem) from problem


def _read_with(adapter: TypeAdapter[Any], outcome: Outcome) -> Any:
    response = _success(outcome)
    try:
        return adapter.validate_json(response.content)
    except ValidationError as problem:
        raise unreadable_response(response, problem) from problem


def read_list(outcome: Outcome) -> ModelListResult:
    return _read(ModelListResult, outcome)


def read_card(outcome: Outcome) -> AnyModelCard:
    card: AnyModelCard = _read_with(_card_adapter(), outcome)
    return card


def read_ft_card(outcome: Outcome) -> FTModelCard:
    return _read(FTModelCard, outcome)


def read_ft_model(outcome: Outcome) -> CompletionFTModelOut | ClassifierFTModelOut:
    model: CompletionFTModelOut | ClassifierFTModelOut = _read_with(_ft_model_adapter(), outcome)
    return model


def read_deleted(outcome: Outcome, model_id: str) -> DeleteModelOut:
    response = outcome.response
    if response.status_code >= 400:
        error = error_from_response(response)
        gone = error.status_code == 404 and error.code == "model_not_found"
        if gone and outcome.earlier_attempt_uncertain:
            # An earlier attempt may have deleted it and lost the answer on the way back: the
            # model is gone, which is what the caller asked for, so report success, not a 404.
            return DeleteModelOut(id=model_id, deleted=True)
        raise error
    return _read(DeleteModelOut, outcome)


def read_archived(outcome: Outcome) -> ArchiveFTModelOut:
    return _read(ArchiveFTModelOut, outcome)


def read_unarchived(outcome: Outcome) -> UnarchiveFTModelOut:
    return _read(UnarchiveFTModelOut, outcome)


def read_me(outcome: Outcome) -> Me:
    return _read(Me, outcome)


def read_workspace(outcome: Outcome) -> Workspace:
    return _read(Workspace, outcome)


def read_workspaces(outcome: Outcome) -> WorkspaceList:
    return _read(WorkspaceList, outcome)


def read_key_created(outcome: Outcome) -> ApiKeyCreated:
    return _read(ApiKeyCreated, outcome)


def read_keys(outcome: Outcome) -> ApiKeyList:
    return _read(ApiKeyList, outcome)


def read_key_revoked(outcome: Outcome) -> ApiKeyRevoked:
    return _read(ApiKeyRevoked, outcome)


def read_audit_events(outcome: Outcome) -> AuditEventList:
    return _read(AuditEventList, outcome)
