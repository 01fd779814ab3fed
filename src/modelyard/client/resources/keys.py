"""`yard.keys`: the organization's API keys (admin scope)."""

from __future__ import annotations

import functools
from typing import Unpack

from ...types import ApiKeyCreated, ApiKeyList, ApiKeyRevoked, Scope
from .. import _operations as op
from .._params import CreateApiKeyParams, ListApiKeysParams, RequestOptions
from .._raw import raw_twins
from ._resource import Resource


class Keys(Resource):
    """The organization's API keys (admin scope); a key's secret is only in `create`'s result."""

    # The same methods, each returning a `RawResponse` with the headers.
    with_raw_response = functools.cached_property(lambda self: KeysWithRawResponse(self))

    def create(
        self, *, workspace: str, scope: Scope, **params: Unpack[CreateApiKeyParams]
    ) -> ApiKeyCreated:
        """Create a key in `workspace` (its id or name); `.key` is the secret, shown only here."""
        outcome = self._yard._send(op.create_api_key(workspace, scope, params), params)
        return op.read(ApiKeyCreated, outcome)

    async def create_async(
        self, *, workspace: str, scope: Scope, **params: Unpack[CreateApiKeyParams]
    ) -> ApiKeyCreated:
        """Create a key in `workspace` (its id or name); `.key` is the secret, shown only here."""
        outcome = await self._yard._send_async(op.create_api_key(workspace, scope, params), params)
        return op.read(ApiKeyCreated, outcome)

    def list(self, **params: Unpack[ListApiKeysParams]) -> ApiKeyList:
        """List the organization's live keys (never their secrets); `all=True`: revoked too."""
        outcome = self._yard._send(op.list_api_keys(params), params)
        return op.read(ApiKeyList, outcome)

    async def list_async(self, **params: Unpack[ListApiKeysParams]) -> ApiKeyList:
        """List the organization's live keys (never their secrets); `all=True`: revoked too."""
        outcome = await self._yard._send_async(op.list_api_keys(params), params)
        return op.read(ApiKeyList, outcome)

    def revoke(self, *, key_id: str, **options: Unpack[RequestOptions]) -> ApiKeyRevoked:
        """Revoke a key: refused from its very next request on (idempotent)."""
        outcome = self._yard._send(op.revoke_api_key(key_id), options)
        return op.read(ApiKeyRevoked, outcome)

    async def revoke_async(
        self, *, key_id: str, **options: Unpack[RequestOptions]
    ) -> ApiKeyRevoked:
        """Revoke a key: refused from its very next request on (idempotent)."""
        outcome = await self._yard._send_async(op.revoke_api_key(key_id), options)
        return op.read(ApiKeyRevoked, outcome)


class KeysWithRawResponse:
    """`yard.keys.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, keys: Keys) -> None:
        self.create, self.create_async = raw_twins(keys.create, keys.create_async)
        self.list, self.list_async = raw_twins(keys.list, keys.list_async)
        self.revoke, self.revoke_async = raw_twins(keys.revoke, keys.revoke_async)
