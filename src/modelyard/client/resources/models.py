"""`yard.models`: the seed's six operations, `register` and `iter`, each with its `_async` twin."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from typing import Unpack

from ...types import (
    ArchiveFTModelOut,
    DeleteModelOut,
    FTModelCard,
    FTModelOut,
    UnarchiveFTModelOut,
)
from .. import _operations as op
from .._cards import AnyModelCard, ModelList
from .._pagination import paginate, paginate_async
from .._params import (
    IfMatchParams,
    ListModelsParams,
    RegisterModelParams,
    RequestOptions,
    UpdateModelParams,
)
from .._raw import raw_twins
from ._resource import Resource


class Models(Resource):
    """Model Management API: list, retrieve, delete, update, archive, unarchive, register, iter."""

    # The same methods (but `iter`), each returning a `RawResponse` with the headers and `etag`.
    with_raw_response = functools.cached_property(lambda self: ModelsWithRawResponse(self))

    def list(self, **params: Unpack[ListModelsParams]) -> ModelList:
        """List the models this key can see; the filters and paging are Modelyard extensions."""
        outcome = self._yard._send(op.list_models(params), params)
        return op.read(ModelList, outcome)

    async def list_async(self, **params: Unpack[ListModelsParams]) -> ModelList:
        """List the models this key can see; the filters and paging are Modelyard extensions."""
        outcome = await self._yard._send_async(op.list_models(params), params)
        return op.read(ModelList, outcome)

    def iter(self, **params: Unpack[ListModelsParams]) -> Iterator[AnyModelCard]:
        """Every model the filters keep, in id order: `list` page after page (`limit`: 100)."""
        return paginate(self.list, params)

    def iter_async(self, **params: Unpack[ListModelsParams]) -> AsyncIterator[AnyModelCard]:
        """Every model the filters keep, in id order: `list` page after page (`limit`: 100)."""
        return paginate_async(self.list_async, params)

    def retrieve(self, *, model_id: str, **options: Unpack[RequestOptions]) -> AnyModelCard:
        """Retrieve a model by id or alias."""
        outcome = self._yard._send(op.retrieve_model(model_id), options)
        return op.read_card(outcome)

    async def retrieve_async(
        self, *, model_id: str, **options: Unpack[RequestOptions]
    ) -> AnyModelCard:
        """Retrieve a model by id or alias."""
        outcome = await self._yard._send_async(op.retrieve_model(model_id), options)
        return op.read_card(outcome)

    def delete(self, *, model_id: str, **params: Unpack[IfMatchParams]) -> DeleteModelOut:
        """Delete a fine-tuned model (see docs/sdk.md for how a retried delete is reported)."""
        outcome = self._yard._send(op.delete_model(model_id, params), params)
        return op.read_deleted(outcome, model_id)

    async def delete_async(
        self, *, model_id: str, **params: Unpack[IfMatchParams]
    ) -> DeleteModelOut:
        """Delete a fine-tuned model (see docs/sdk.md for how a retried delete is reported)."""
        outcome = await self._yard._send_async(op.delete_model(model_id, params), params)
        return op.read_deleted(outcome, model_id)

    def update(self, *, model_id: str, **params: Unpack[UpdateModelParams]) -> FTModelOut:
        """Update a fine-tuned model's name or description; `None` clears, omitted leaves as is."""
        outcome = self._yard._send(op.update_model(model_id, params), params)
        return op.read_ft_model(outcome)

    async def update_async(
        self, *, model_id: str, **params: Unpack[UpdateModelParams]
    ) -> FTModelOut:
        """Update a fine-tuned model's name or description; `None` clears, omitted leaves as is."""
        outcome = await self._yard._send_async(op.update_model(model_id, params), params)
        return op.read_ft_model(outcome)

    def archive(self, *, model_id: str, **params: Unpack[IfMatchParams]) -> ArchiveFTModelOut:
        """Archive a fine-tuned model (idempotent)."""
        outcome = self._yard._send(op.archive_model(model_id, params), params)
        return op.read(ArchiveFTModelOut, outcome)

    async def archive_async(
        self, *, model_id: str, **params: Unpack[IfMatchParams]
    ) -> ArchiveFTModelOut:
        """Archive a fine-tuned model (idempotent)."""
        outcome = await self._yard._send_async(op.archive_model(model_id, params), params)
        return op.read(ArchiveFTModelOut, outcome)

    def unarchive(self, *, model_id: str, **params: Unpack[IfMatchParams]) -> UnarchiveFTModelOut:
        """Un-archive a fine-tuned model (idempotent)."""
        outcome = self._yard._send(op.unarchive_model(model_id, params), params)
        return op.read(UnarchiveFTModelOut, outcome)

    async def unarchive_async(
        self, *, model_id: str, **params: Unpack[IfMatchParams]
    ) -> UnarchiveFTModelOut:
        """Un-archive a fine-tuned model (idempotent)."""
        outcome = await self._yard._send_async(op.unarchive_model(model_id, params), params)
        return op.read(UnarchiveFTModelOut, outcome)

    def register(self, *, root: str, **params: Unpack[RegisterModelParams]) -> FTModelCard:
        """Register the fine-tuned model a job produced; safe to retry (the job id is fixed)."""
        outcome = self._yard._send(op.register_model(root, params), params)
        return op.read(FTModelCard, outcome)

    async def register_async(
        self, *, root: str, **params: Unpack[RegisterModelParams]
    ) -> FTModelCard:
        """Register the fine-tuned model a job produced; safe to retry (the job id is fixed)."""
        outcome = await self._yard._send_async(op.register_model(root, params), params)
        return op.read(FTModelCard, outcome)


class ModelsWithRawResponse:
    """`yard.models.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, models: Models) -> None:
        self.list, self.list_async = raw_twins(models.list, models.list_async)
        self.retrieve, self.retrieve_async = raw_twins(models.retrieve, models.retrieve_async)
        self.delete, self.delete_async = raw_twins(models.delete, models.delete_async)
        self.update, self.update_async = raw_twins(models.update, models.update_async)
        self.archive, self.archive_async = raw_twins(models.archive, models.archive_async)
        self.unarchive, self.unarchive_async = raw_twins(models.unarchive, models.unarchive_async)
        self.register, self.register_async = raw_twins(models.register, models.register_async)
