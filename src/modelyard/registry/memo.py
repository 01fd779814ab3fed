"""A per-process memo whose entries are valid at one version of the store.

Freshness across replicas: every write bumps the store revision in its own transaction (and a
change to workspaces or keys also bumps the tenancy version), so a request that reads both first
(`sync`) may use what was memoized at those versions; when one moved, its entries are forgotten.
A value is only stored under the version that was current before it was computed, so a slow
request can never file stale data under a newer version.

Two spaces: `RESPONSES` follow the store revision (any change); `PRINCIPALS` follow the tenancy
version only, so key lookups survive model changes and die with a revocation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Final

RESPONSES: Final = 0
PRINCIPALS: Final = 1


class RevisionMemo:
    def __init__(
        self, probe: Callable[[], Awaitable[tuple[int, int]]], max_entries: int = 20_000
    ) -> None:
        self._probe = probe
        self.max_entries = max_entries
        self.versions: list[int] = [-1, -1]
        self._spaces: list[dict[Hashable, Any]] = [{}, {}]

    async def sync(self) -> tuple[int, int]:
        """Read the versions; forget every space whose version moved. Once per request."""
        versions = await self._probe()
        for space, version in enumerate(versions):
            if version != self.versions[space]:
                self._spaces[space] = {}
                self.versions[space] = version
        return versions

    def get(self, space: int, key: Hashable) -> Any:
        return self._spaces[space].get(key)

    def put(self, space: int, key: Hashable, value: Any, versions: tuple[int, int]) -> None:
        if versions[space] != self.versions[space]:
            return
        entries = self._spaces[space]
        if len(entries) >= self.max_entries:
            entries = self._spaces[space] = {}
        entries[key] = value
