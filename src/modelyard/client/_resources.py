"""The resources: `yard.models` (the seed's six operations, `register`, `iter`), `yard.workspaces`,
`yard.keys` and `yard.audit`, each method with its `_async` twin.

Each method is three lines: build the call (pure), send it (the only line that differs between
twins), read the outcome (pure). The `iter` methods walk pages with the same three steps in a loop.
A test keeps each pair's signatures identical. `with_raw_response` on each resource (see `_raw`)
offers the same methods returning the response too.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ..types import (
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyRevoked,
    ArchiveFTModelOut,
    AuditAction,
    AuditEvent,
    AuditEventList,
    CapabilitiesIn,
    ClassifierFTModelOut,
    ClassifierTargetIn,
    CompletionFTModelOut,
    DeleteModelOut,
    FTModelCard,
    Scope,
    UnarchiveFTModelOut,
    Workspace,
    WorkspaceList,
)
from . import _operations as op
from ._cards import AnyModelCard, ModelListResult
from ._raw import to_raw, to_raw_async
from ._retries import RetryConfig
from ._sentinel import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._client import Modelyard


class Models:
    """Model Management API: list, retrieve, delete, update, archive, unarchive, register, iter."""

    def __init__(self, yard: Modelyard) -> None:
        self._yard = yard

    @functools.cached_property
    def with_raw_response(self) -> ModelsWithRawResponse:
        """The same methods (but `iter`), returning a `RawResponse` with the headers and `etag`."""
        return ModelsWithRawResponse(self)

    def list(
        self,
        *,
        type: Literal["base", "fine-tuned"] | None = None,
        archived: bool | None = None,
        q: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ModelListResult:
        """List the models this key can see; the filters and paging are Modelyard extensions."""
        call = op.list_models(
            type=type,
            archived=archived,
            q=q,
            provider=provider,
            model=model,
            limit=limit,
            after=after,
        )
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_list(outcome)

    async def list_async(
        self,
        *,
        type: Literal["base", "fine-tuned"] | None = None,
        archived: bool | None = None,
        q: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ModelListResult:
        """List the models this key can see; the filters and paging are Modelyard extensions."""
        call = op.list_models(
            type=type,
            archived=archived,
            q=q,
            provider=provider,
            model=model,
            limit=limit,
            after=after,
        )
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_list(outcome)

    def iter(
        self,
        *,
        type: Literal["base", "fine-tuned"] | None = None,
        archived: bool | None = None,
        q: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        limit: int = 100,
        after: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> Iterator[AnyModelCard]:
        """Every model the filters keep, in id order, fetched `limit` per request after `after`."""
        cursor = after
        while True:
            call = op.list_models(
                type=type,
                archived=archived,
                q=q,
                provider=provider,
                model=model,
                limit=limit,
                after=cursor,
            )
            outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
            page = op.read_list(outcome)
            yield from page.data
            cursor = op.next_after(page.has_more, page.last_id, cursor)
            if cursor is None:
                return

    async def iter_async(
        self,
        *,
        type: Literal["base", "fine-tuned"] | None = None,
        archived: bool | None = None,
        q: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        limit: int = 100,
        after: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[AnyModelCard]:
        """Every model the filters keep, in id order, fetched `limit` per request after `after`."""
        cursor = after
        while True:
            call = op.list_models(
                type=type,
                archived=archived,
                q=q,
                provider=provider,
                model=model,
                limit=limit,
                after=cursor,
            )
            outcome = await self._yard._send_async(
                call, retries, server_url, timeout_ms, http_headers
            )
            page = op.read_list(outcome)
            for card in page.data:
                yield card
            cursor = op.next_after(page.has_more, page.last_id, cursor)
            if cursor is None:
                return

    def retrieve(
        self,
        *,
        model_id: str,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> AnyModelCard:
        """Retrieve a model by id or alias."""
        call = op.retrieve_model(model_id)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_card(outcome)

    async def retrieve_async(
        self,
        *,
        model_id: str,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> AnyModelCard:
        """Retrieve a model by id or alias."""
        call = op.retrieve_model(model_id)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_card(outcome)

    def delete(
        self,
        *,
        model_id: str,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> DeleteModelOut:
        """Delete a fine-tuned model (see docs/sdk.md for how a retried delete is reported)."""
        call = op.delete_model(model_id, if_match)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_deleted(outcome, model_id)

    async def delete_async(
        self,
        *,
        model_id: str,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> DeleteModelOut:
        """Delete a fine-tuned model (see docs/sdk.md for how a retried delete is reported)."""
        call = op.delete_model(model_id, if_match)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_deleted(outcome, model_id)

    def update(
        self,
        *,
        model_id: str,
        name: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> CompletionFTModelOut | ClassifierFTModelOut:
        """Update a fine-tuned model's name or description; `None` clears, omitted leaves as is."""
        call = op.update_model(model_id, name=name, description=description, if_match=if_match)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_ft_model(outcome)

    async def update_async(
        self,
        *,
        model_id: str,
        name: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> CompletionFTModelOut | ClassifierFTModelOut:
        """Update a fine-tuned model's name or description; `None` clears, omitted leaves as is."""
        call = op.update_model(model_id, name=name, description=description, if_match=if_match)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_ft_model(outcome)

    def archive(
        self,
        *,
        model_id: str,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ArchiveFTModelOut:
        """Archive a fine-tuned model (idempotent)."""
        call = op.archive_model(model_id, if_match)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_archived(outcome)

    async def archive_async(
        self,
        *,
        model_id: str,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ArchiveFTModelOut:
        """Archive a fine-tuned model (idempotent)."""
        call = op.archive_model(model_id, if_match)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_archived(outcome)

    def unarchive(
        self,
        *,
        model_id: str,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> UnarchiveFTModelOut:
        """Un-archive a fine-tuned model (idempotent)."""
        call = op.unarchive_model(model_id, if_match)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_unarchived(outcome)

    async def unarchive_async(
        self,
        *,
        model_id: str,
        if_match: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> UnarchiveFTModelOut:
        """Un-archive a fine-tuned model (idempotent)."""
        call = op.unarchive_model(model_id, if_match)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_unarchived(outcome)

    def register(
        self,
        *,
        root: str,
        job: str | uuid.UUID | None = None,
        name: str | None = None,
        description: str | None = None,
        suffix: str | None = None,
        model_type: Literal["completion", "classifier"] | None = None,
        classifier_targets: Sequence[ClassifierTargetIn | Mapping[str, Any]] | None = None,
        capabilities: CapabilitiesIn | Mapping[str, bool] | None = None,
        max_context_length: int | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> FTModelCard:
        """Register the fine-tuned model a job produced; safe to retry (the job id is fixed)."""
        call = op.register_model(
            root=root,
            job=job,
            name=name,
            description=description,
            suffix=suffix,
            model_type=model_type,
            classifier_targets=classifier_targets,
            capabilities=capabilities,
            max_context_length=max_context_length,
        )
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_ft_card(outcome)

    async def register_async(
        self,
        *,
        root: str,
        job: str | uuid.UUID | None = None,
        name: str | None = None,
        description: str | None = None,
        suffix: str | None = None,
        model_type: Literal["completion", "classifier"] | None = None,
        classifier_targets: Sequence[ClassifierTargetIn | Mapping[str, Any]] | None = None,
        capabilities: CapabilitiesIn | Mapping[str, bool] | None = None,
        max_context_length: int | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> FTModelCard:
        """Register the fine-tuned model a job produced; safe to retry (the job id is fixed)."""
        call = op.register_model(
            root=root,
            job=job,
            name=name,
            description=description,
            suffix=suffix,
            model_type=model_type,
            classifier_targets=classifier_targets,
            capabilities=capabilities,
            max_context_length=max_context_length,
        )
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_ft_card(outcome)


class ModelsWithRawResponse:
    """`yard.models.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, models: Models) -> None:
        self.list = to_raw(models.list)
        self.list_async = to_raw_async(models.list_async)
        self.retrieve = to_raw(models.retrieve)
        self.retrieve_async = to_raw_async(models.retrieve_async)
        self.delete = to_raw(models.delete)
        self.delete_async = to_raw_async(models.delete_async)
        self.update = to_raw(models.update)
        self.update_async = to_raw_async(models.update_async)
        self.archive = to_raw(models.archive)
        self.archive_async = to_raw_async(models.archive_async)
        self.unarchive = to_raw(models.unarchive)
        self.unarchive_async = to_raw_async(models.unarchive_async)
        self.register = to_raw(models.register)
        self.register_async = to_raw_async(models.register_async)


class Workspaces:
    """The organization's workspaces (admin scope)."""

    def __init__(self, yard: Modelyard) -> None:
        self._yard = yard

    @functools.cached_property
    def with_raw_response(self) -> WorkspacesWithRawResponse:
        """The same methods, returning a `RawResponse` with the headers."""
        return WorkspacesWithRawResponse(self)

    def create(
        self,
        *,
        name: str,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> Workspace:
        """Create a workspace; names are unique in the organization (else `ConflictError`)."""
        call = op.create_workspace(name)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_workspace(outcome)

    async def create_async(
        self,
        *,
        name: str,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> Workspace:
        """Create a workspace; names are unique in the organization (else `ConflictError`)."""
        call = op.create_workspace(name)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_workspace(outcome)

    def list(
        self,
        *,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> WorkspaceList:
        """List the organization's workspaces."""
        call = op.list_workspaces()
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_workspaces(outcome)

    async def list_async(
        self,
        *,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> WorkspaceList:
        """List the organization's workspaces."""
        call = op.list_workspaces()
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_workspaces(outcome)


class WorkspacesWithRawResponse:
    """`yard.workspaces.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, workspaces: Workspaces) -> None:
        self.create = to_raw(workspaces.create)
        self.create_async = to_raw_async(workspaces.create_async)
        self.list = to_raw(workspaces.list)
        self.list_async = to_raw_async(workspaces.list_async)


class Keys:
    """The organization's API keys (admin scope); a key's secret is only in `create`'s result."""

    def __init__(self, yard: Modelyard) -> None:
        self._yard = yard

    @functools.cached_property
    def with_raw_response(self) -> KeysWithRawResponse:
        """The same methods, returning a `RawResponse` with the headers."""
        return KeysWithRawResponse(self)

    def create(
        self,
        *,
        workspace: str,
        scope: Scope,
        name: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ApiKeyCreated:
        """Create a key in `workspace` (its id or name); `.key` is the secret, shown only here."""
        call = op.create_api_key(workspace, scope, name)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_key_created(outcome)

    async def create_async(
        self,
        *,
        workspace: str,
        scope: Scope,
        name: str | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ApiKeyCreated:
        """Create a key in `workspace` (its id or name); `.key` is the secret, shown only here."""
        call = op.create_api_key(workspace, scope, name)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_key_created(outcome)

    def list(
        self,
        *,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ApiKeyList:
        """List the organization's keys (never their secrets)."""
        call = op.list_api_keys()
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_keys(outcome)

    async def list_async(
        self,
        *,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ApiKeyList:
        """List the organization's keys (never their secrets)."""
        call = op.list_api_keys()
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_keys(outcome)

    def revoke(
        self,
        *,
        key_id: str,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ApiKeyRevoked:
        """Revoke a key: refused from its very next request on (idempotent)."""
        call = op.revoke_api_key(key_id)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_key_revoked(outcome)

    async def revoke_async(
        self,
        *,
        key_id: str,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> ApiKeyRevoked:
        """Revoke a key: refused from its very next request on (idempotent)."""
        call = op.revoke_api_key(key_id)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_key_revoked(outcome)


class KeysWithRawResponse:
    """`yard.keys.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, keys: Keys) -> None:
        self.create = to_raw(keys.create)
        self.create_async = to_raw_async(keys.create_async)
        self.list = to_raw(keys.list)
        self.list_async = to_raw_async(keys.list_async)
        self.revoke = to_raw(keys.revoke)
        self.revoke_async = to_raw_async(keys.revoke_async)


class Audit:
    """The organization's audit log and change feed (admin scope), oldest event first."""

    def __init__(self, yard: Modelyard) -> None:
        self._yard = yard

    @functools.cached_property
    def with_raw_response(self) -> AuditWithRawResponse:
        """The same methods (but `iter`), returning a `RawResponse` with the headers."""
        return AuditWithRawResponse(self)

    def list(
        self,
        *,
        after: int | None = None,
        limit: int | None = None,
        model_id: str | None = None,
        action: AuditAction | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> AuditEventList:
        """One page of events after the event id `after` (the server's default `limit`: 100)."""
        call = op.list_audit_events(after=after, limit=limit, model_id=model_id, action=action)
        outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
        return op.read_audit_events(outcome)

    async def list_async(
        self,
        *,
        after: int | None = None,
        limit: int | None = None,
        model_id: str | None = None,
        action: AuditAction | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> AuditEventList:
        """One page of events after the event id `after` (the server's default `limit`: 100)."""
        call = op.list_audit_events(after=after, limit=limit, model_id=model_id, action=action)
        outcome = await self._yard._send_async(call, retries, server_url, timeout_ms, http_headers)
        return op.read_audit_events(outcome)

    def iter(
        self,
        *,
        after: int | None = None,
        limit: int = 100,
        model_id: str | None = None,
        action: AuditAction | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> Iterator[AuditEvent]:
        """Every event after `after` up to the newest, fetched `limit` per request."""
        cursor = after
        while True:
            call = op.list_audit_events(after=cursor, limit=limit, model_id=model_id, action=action)
            outcome = self._yard._send(call, retries, server_url, timeout_ms, http_headers)
            page = op.read_audit_events(outcome)
            yield from page.data
            cursor = op.next_after(page.has_more, page.last_id, cursor)
            if cursor is None:
                return

    async def iter_async(
        self,
        *,
        after: int | None = None,
        limit: int = 100,
        model_id: str | None = None,
        action: AuditAction | None = None,
        retries: RetryConfig | NotGiven | None = NOT_GIVEN,
        server_url: str | None = None,
        timeout_ms: int | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[AuditEvent]:
        """Every event after `after` up to the newest, fetched `limit` per request."""
        cursor = after
        while True:
            call = op.list_audit_events(after=cursor, limit=limit, model_id=model_id, action=action)
            outcome = await self._yard._send_async(
                call, retries, server_url, timeout_ms, http_headers
            )
            page = op.read_audit_events(outcome)
            for event in page.data:
                yield event
            cursor = op.next_after(page.has_more, page.last_id, cursor)
            if cursor is None:
                return


class AuditWithRawResponse:
    """`yard.audit.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, audit: Audit) -> None:
        self.list = to_raw(audit.list)
        self.list_async = to_raw_async(audit.list_async)
