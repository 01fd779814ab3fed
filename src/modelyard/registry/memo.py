"""A per-process memo whose entries are valid at one store revision.

Freshness across replicas: every write bumps the store revision in its own transaction, so a
request that reads the revision first (`sync`) and finds it unchanged may use what was memoized
at that revision; when it moved, everything is forgotten. A value is only stored under the
revision that was current before it was computed, so a slow request can never file stale data
under a newer revision.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class RevisionMemo:
    def __init__(self, probe: Callable[[], int], max_entries: int = 20_000) -> None:
        self._probe = probe
        self.max_entries = max_entries
        self.revision = -1
        self._entries: dict[Hashable, Any] = {}

    def sync(self) -> int:
        """Read the store revision; forget everything if it moved. Once per request."""
        revision = self._probe()
        if revision != self.revision:
            self._entries = {}
            self.revision = revision
        return revision

    def get(self, key: Hashable) -> Any:
        return self._entries.get(key)

    def put(self, key: Hashable, value: Any, revision: int) -> None:
        if revision != self.revision:
            return
        if len(self._entries) >= self.max_entries:
            self._entries = {}
        self._entries[key] = value
