"""What every resource has: the client it sends through."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import Modelyard


class Resource:
    """One part of the API on a `Modelyard` client (`yard.models`, `yard.keys`, ...)."""

    def __init__(self, yard: Modelyard) -> None:
        self._yard = yard
