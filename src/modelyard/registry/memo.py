"""Per-process memos whose entries are valid at one version of the store.

Freshness across replicas: every write bumps the store revision in its own transaction (and a
change to workspaces or keys also bumps the tenancy version), so a request that reads both first
(`sync`) may use what was memoized at those versions; when one moved, its entries are forgotten.
A value is only stored under the version that was current before it was computed, so a slow
request can never file stale data under a newer version.

Two spaces: `RESPONSES` follow the store revision (any change); `PRINCIPALS` follow the tenancy
version only, so key lookups survive model changes and die with a revocation. Each is bounded:
principals by count (only valid keys are memoized), responses by bytes, least recently used
first out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Final, Protocol

from modelyard.store.dialect import Versions

RESPONSES: Final = 0
PRINCIPALS: Final = 1


class Sized(Protocol):
    @property
    def size(self) -> int: ...


class RevisionMemo:
    def __init__(
        self,
        probe: Callable[[], Awaitable[Versions]],
        max_principals: int = 20_000,
        max_response_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self._probe = probe
        self.max_principals = max_principals
        self.max_response_bytes = max_response_bytes
        self.versions: list[int] = [-1, -1]
        self._responses: OrderedDict[Hashable, Sized] = OrderedDict()
        self._response_bytes = 0
        self._principals: dict[Hashable, Any] = {}

    async def sync(self) -> Versions:
        """Read the versions; forget every space whose version moved. Once per request."""
        versions = await self._probe()
        if versions[RESPONSES] != self.versions[RESPONSES]:
            self._responses = OrderedDict()
            self._response_bytes = 0
        if versions[PRINCIPALS] != self.versions[PRINCIPALS]:
            self._principals = {}
        self.versions = list(versions)
        return versions

    def principal(self, key: Hashable) -> Any:
        return self._principals.get(key)

    def put_principal(self, key: Hashable, value: Any, versions: Versions) -> None:
        if versions[PRINCIPALS] != self.versions[PRINCIPALS]:
            return
        if len(self._principals) >= self.max_principals:
            self._principals = {}
        self._principals[key] = value

    def response(self, key: Hashable) -> Any:
        found = self._responses.get(key)
        if found is not None:
            self._responses.move_to_end(key)
        return found

    def put_response(self, key: Hashable, value: Sized, versions: Versions) -> None:
        if versions[RESPONSES] != self.versions[RESPONSES] or value.size > self.max_response_bytes:
            return
        previous = self._responses.pop(key, None)
        if previous is not None:
            self._response_bytes -= previous.size
        self._responses[key] = value
        self._response_bytes += value.size
        while self._response_bytes > self.max_response_bytes:
            _, evicted = self._responses.popitem(last=False)
            self._response_bytes -= evicted.size

    @property
    def response_bytes(self) -> int:
        return self._response_bytes
