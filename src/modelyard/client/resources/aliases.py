"""`yard.aliases`: the workspace's names for its fine-tuned models (read scope to see, write to
change). An alias also works wherever a model id does: `yard.models.retrieve(model_id="prod")`."""

from __future__ import annotations

import functools
from typing import Unpack

from ...types import Alias, AliasDeleted, AliasList
from .. import _operations as op
from .._params import IfMatchParams, RequestOptions, SetAliasParams
from .._raw import raw_twins
from ._resource import Resource


class Aliases(Resource):
    """Set, get, list and delete aliases; `with_raw_response` gives each one's `etag`."""

    # The same methods, each returning a `RawResponse` with the headers and `etag`.
    with_raw_response = functools.cached_property(lambda self: AliasesWithRawResponse(self))

    def set(self, *, alias: str, model: str, **params: Unpack[SetAliasParams]) -> Alias:
        """Point `alias` at the fine-tuned `model` (created or moved, in one step)."""
        outcome = self._yard._send(op.set_alias(alias, model, params), params)
        return op.read(Alias, outcome)

    async def set_async(self, *, alias: str, model: str, **params: Unpack[SetAliasParams]) -> Alias:
        """Point `alias` at the fine-tuned `model` (created or moved, in one step)."""
        outcome = await self._yard._send_async(op.set_alias(alias, model, params), params)
        return op.read(Alias, outcome)

    def get(self, *, alias: str, **options: Unpack[RequestOptions]) -> Alias:
        """The model `alias` names."""
        outcome = self._yard._send(op.get_alias(alias), options)
        return op.read(Alias, outcome)

    async def get_async(self, *, alias: str, **options: Unpack[RequestOptions]) -> Alias:
        """The model `alias` names."""
        outcome = await self._yard._send_async(op.get_alias(alias), options)
        return op.read(Alias, outcome)

    def list(self, **options: Unpack[RequestOptions]) -> AliasList:
        """The workspace's aliases, by name."""
        outcome = self._yard._send(op.list_aliases(), options)
        return op.read(AliasList, outcome)

    async def list_async(self, **options: Unpack[RequestOptions]) -> AliasList:
        """The workspace's aliases, by name."""
        outcome = await self._yard._send_async(op.list_aliases(), options)
        return op.read(AliasList, outcome)

    def delete(self, *, alias: str, **params: Unpack[IfMatchParams]) -> AliasDeleted:
        """Remove the alias (the model stays)."""
        outcome = self._yard._send(op.delete_alias(alias, params), params)
        return op.read(AliasDeleted, outcome)

    async def delete_async(self, *, alias: str, **params: Unpack[IfMatchParams]) -> AliasDeleted:
        """Remove the alias (the model stays)."""
        outcome = await self._yard._send_async(op.delete_alias(alias, params), params)
        return op.read(AliasDeleted, outcome)


class AliasesWithRawResponse:
    """`yard.aliases.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, aliases: Aliases) -> None:
        self.set, self.set_async = raw_twins(aliases.set, aliases.set_async)
        self.get, self.get_async = raw_twins(aliases.get, aliases.get_async)
        self.list, self.list_async = raw_twins(aliases.list, aliases.list_async)
        self.delete, self.delete_async = raw_twins(aliases.delete, aliases.delete_async)
