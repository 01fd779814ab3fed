"""`yard.models`: the seed's six operations and `register`, each with its `_async` twin.

Each method is three lines: build the call (pure), send it (the only line that differs between
twins), read the outcome (pure). A test keeps each pair's signatures identical.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ..types import (
    ArchiveFTModelOut,
    CapabilitiesIn,
    ClassifierFTModelOut,
    ClassifierTargetIn,
    CompletionFTModelOut,
    DeleteModelOut,
    FTModelCard,
    UnarchiveFTModelOut,
)
from . import _operations as op
from ._cards import AnyModelCard, ModelListResult
from ._retries import RetryConfig
from ._sentinel import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._client import Modelyard


class Models:
    """Model Management API: list, retrieve, delete, update, archive, unarchive, register."""

    def __init__(self, yard: Modelyard) -> None:
        self._yard = yard

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
