"""The pure half of every operation: what request it makes, and how its response is read.

Nothing here does I/O, so the sync and async methods share all of it. A result that needs no more
than its type is read with `read(Workspace, outcome)`, named by the resource method.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..types import (
    ClassifierFTModelOut,
    CompletionFTModelOut,
    DeleteModelOut,
    FTModelOut,
    Scope,
)
from ._cards import AnyModelCard
from ._errors import error_from_response, unreadable_response
from ._params import (
    REQUEST_OPTIONS,
    CreateApiKeyParams,
    CreateWebhookParams,
    IfMatchParams,
    ListApiKeysParams,
    ListAuditEventsParams,
    ListModelsParams,
    ListWebhookDeliveriesParams,
    RegisterModelParams,
    SetAliasParams,
    UpdateModelParams,
    UpdateWebhookParams,
)
from ._sentinel import NOT_GIVEN, NotGiven

_Output = TypeVar("_Output", bound=BaseModel)
_Cursor = TypeVar("_Cursor")

# The keywords each kind of operation accepts: its own optional arguments and the options.
_IF_MATCH: Final = IfMatchParams.__optional_keys__
_UPDATE: Final = UpdateModelParams.__optional_keys__
_LIST_MODELS: Final = ListModelsParams.__optional_keys__
_REGISTER: Final = RegisterModelParams.__optional_keys__
_CREATE_API_KEY: Final = CreateApiKeyParams.__optional_keys__
_LIST_API_KEYS: Final = ListApiKeysParams.__optional_keys__
_SET_ALIAS: Final = SetAliasParams.__optional_keys__
_LIST_AUDIT_EVENTS: Final = ListAuditEventsParams.__optional_keys__
_CREATE_WEBHOOK: Final = CreateWebhookParams.__optional_keys__
_UPDATE_WEBHOOK: Final = UpdateWebhookParams.__optional_keys__
_LIST_DELIVERIES: Final = ListWebhookDeliveriesParams.__optional_keys__


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request of an operation, before it meets a client."""

    method: str
    path: str
    params: dict[str, str | list[str]] | None = None
    body: bytes | None = None
    if_match: str | None = None
    if_none_match: str | None = None
    # False for a call that a second attempt would carry out twice (creating a workspace or a
    # key): it is retried only when the server certainly did not act on the first attempt.
    idempotent: bool = True
    # The keyword arguments the operation takes (see `_params`): any other is refused.
    keywords: frozenset[str] = REQUEST_OPTIONS


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


def _query(params: Mapping[str, object], *names: str) -> dict[str, str | list[str]] | None:
    """The query parameters `names` of those given (`None` is left out), in wire form; a list or
    tuple is the parameter repeated."""
    query: dict[str, str | list[str]] = {}
    for name in names:
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            query[name] = [_wire(each) for each in value]
        else:
            query[name] = _wire(value)
    return query or None


def _wire(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def list_models(params: ListModelsParams) -> Call:
    names = ("type", "archived", "q", "provider", "model", "label", "limit", "after")
    return Call("GET", "/v1/models", _query(params, *names), keywords=_LIST_MODELS)


def retrieve_model(model_id: str) -> Call:
    return Call("GET", model_path("/v1/models", model_id))


def delete_model(model_id: str, params: IfMatchParams) -> Call:
    path = model_path("/v1/models", model_id)
    return Call("DELETE", path, if_match=params.get("if_match"), keywords=_IF_MATCH)


def update_model(model_id: str, params: UpdateModelParams) -> Call:
    # A JSON merge patch: only the keys the caller gave, and `None` is sent as null (clears it).
    # Passing `NOT_GIVEN`, as earlier versions asked, still means "leave it as it is".
    given = {key: params.get(key, NOT_GIVEN) for key in ("name", "description", "labels")}
    patch = {key: value for key, value in given.items() if not isinstance(value, NotGiven)}
    artifact = params.get("artifact", NOT_GIVEN)
    if not isinstance(artifact, NotGiven):
        patch["artifact"] = None if artifact is None else _plain(artifact)
    path = model_path("/v1/fine_tuning/models", model_id)
    body, if_match = _json(patch), params.get("if_match")
    return Call("PATCH", path, body=body, if_match=if_match, keywords=_UPDATE)


def archive_model(model_id: str, params: IfMatchParams) -> Call:
    path = model_path("/v1/fine_tuning/models", model_id, "/archive")
    return Call("POST", path, if_match=params.get("if_match"), keywords=_IF_MATCH)


def unarchive_model(model_id: str, params: IfMatchParams) -> Call:
    path = model_path("/v1/fine_tuning/models", model_id, "/archive")
    return Call("DELETE", path, if_match=params.get("if_match"), keywords=_IF_MATCH)


def register_model(root: str, params: RegisterModelParams) -> Call:
    # The job id is fixed here, before the first attempt: the server answers a replay of the same
    # job and body with the card it already made, so every retry is safe.
    job = params.get("job")
    body: dict[str, Any] = {"root": root, "job": str(job if job is not None else uuid.uuid4())}
    optional = {
        "name": params.get("name"),
        "description": params.get("description"),
        "suffix": params.get("suffix"),
        "model_type": params.get("model_type"),
        "max_context_length": params.get("max_context_length"),
    }
    body.update((key, value) for key, value in optional.items() if value is not None)
    targets, capabilities = params.get("classifier_targets"), params.get("capabilities")
    if targets is not None:
        body["classifier_targets"] = [_plain(target) for target in targets]
    if capabilities is not None:
        body["capabilities"] = _plain(capabilities)
    labels, artifact = params.get("labels"), params.get("artifact")
    if labels is not None:
        body["labels"] = dict(labels)
    if artifact is not None:
        body["artifact"] = _plain(artifact)
    return Call("POST", "/v1/fine_tuning/models", body=_json(body), keywords=_REGISTER)


def get_me() -> Call:
    return Call("GET", "/v1/me")


def create_workspace(name: str) -> Call:
    return Call("POST", "/v1/workspaces", body=_json({"name": name}), idempotent=False)


def list_workspaces() -> Call:
    return Call("GET", "/v1/workspaces")


def create_api_key(workspace: str, scope: Scope, params: CreateApiKeyParams) -> Call:
    body = {"workspace": workspace, "scope": scope}
    name = params.get("name")
    if name is not None:
        body["name"] = name
    return Call(
        "POST", "/v1/api_keys", body=_json(body), idempotent=False, keywords=_CREATE_API_KEY
    )


def list_api_keys(params: ListApiKeysParams) -> Call:
    return Call("GET", "/v1/api_keys", _query(params, "all"), keywords=_LIST_API_KEYS)


def revoke_api_key(key_id: str) -> Call:
    # Revoking is idempotent on the server: a second revoke answers 200 like the first.
    return Call("DELETE", f"/v1/api_keys/{_segment('key_id', key_id)}")


def set_alias(alias: str, model: str, params: SetAliasParams) -> Call:
    # Idempotent: setting the same alias to the same model twice leaves one state.
    return Call(
        "PUT",
        f"/v1/aliases/{_segment('alias', alias)}",
        body=_json({"model": model}),
        if_match=params.get("if_match"),
        if_none_match=params.get("if_none_match"),
        keywords=_SET_ALIAS,
    )


def get_alias(alias: str) -> Call:
    return Call("GET", f"/v1/aliases/{_segment('alias', alias)}")


def list_aliases() -> Call:
    return Call("GET", "/v1/aliases")


def delete_alias(alias: str, params: IfMatchParams) -> Call:
    path = f"/v1/aliases/{_segment('alias', alias)}"
    return Call("DELETE", path, if_match=params.get("if_match"), keywords=_IF_MATCH)


def list_audit_events(params: ListAuditEventsParams) -> Call:
    query = _query(params, "after", "limit", "model_id", "action")
    return Call("GET", "/v1/audit/events", query, keywords=_LIST_AUDIT_EVENTS)


def next_after(
    has_more: bool | None, last_id: _Cursor | None, after: _Cursor | None
) -> _Cursor | None:
    """The `after` of the page following one, or None when that page was the last.

    A page that says `has_more` but gives no new `last_id` ends the walk too, so a server that
    does not page (no `has_more`) or misbehaves can never make an iterator loop forever. This is
    the one paging rule; `_pagination` follows it for every iterator.
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


def read(model: type[_Output], outcome: Outcome) -> _Output:
    """The response's body as `model`, or the error its status stands for."""
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


def read_card(outcome: Outcome) -> AnyModelCard:
    card: AnyModelCard = _read_with(_card_adapter(), outcome)
    return card


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
    return read(DeleteModelOut, outcome)


def create_webhook(url: str, params: CreateWebhookParams) -> Call:
    body: dict[str, Any] = {"url": url}
    events, description = params.get("events"), params.get("description")
    if events is not None:
        body["events"] = list(events)
    if description is not None:
        body["description"] = description
    return Call(
        "POST", "/v1/webhooks", body=_json(body), idempotent=False, keywords=_CREATE_WEBHOOK
    )


def list_webhooks() -> Call:
    return Call("GET", "/v1/webhooks")


def _webhook_path(webhook_id: str, suffix: str = "") -> str:
    return f"/v1/webhooks/{_segment('webhook_id', webhook_id)}{suffix}"


def get_webhook(webhook_id: str) -> Call:
    return Call("GET", _webhook_path(webhook_id))


def update_webhook(webhook_id: str, params: UpdateWebhookParams) -> Call:
    # A merge patch: only the keys given; `description=None` is sent as null (clears it).
    patch: dict[str, Any] = {
        key: params[key] for key in ("url", "description", "enabled") if key in params
    }
    if "events" in params:
        events = params["events"]
        patch["events"] = None if events is None else list(events)
    return Call("PATCH", _webhook_path(webhook_id), body=_json(patch), keywords=_UPDATE_WEBHOOK)


def delete_webhook(webhook_id: str) -> Call:
    return Call("DELETE", _webhook_path(webhook_id))


def rotate_webhook_secret(webhook_id: str) -> Call:
    # Not idempotent: a second rotation would give out another secret than the caller heard.
    return Call("POST", _webhook_path(webhook_id, "/secret"), idempotent=False)


def list_webhook_deliveries(webhook_id: str, params: ListWebhookDeliveriesParams) -> Call:
    path = _webhook_path(webhook_id, "/deliveries")
    return Call("GET", path, _query(params, "limit"), keywords=_LIST_DELIVERIES)


def redeliver_webhook_delivery(webhook_id: str, delivery_id: str) -> Call:
    # Idempotent enough: a second request only schedules the same delivery again.
    suffix = f"/deliveries/{_segment('delivery_id', delivery_id)}/redeliver"
    return Call("POST", _webhook_path(webhook_id, suffix))


def ping_webhook(webhook_id: str) -> Call:
    return Call("POST", _webhook_path(webhook_id, "/ping"), idempotent=False)
