"""What `list` and `retrieve` return: the wire cards, plus `UnknownModelCard` for a `type` this SDK
does not know yet, so a newer server's new kind of card never fails the whole list.

The SDK's `ModelList` is its own class, exported from `modelyard` under the seed's name; the
server keeps documenting `modelyard.types.ModelList`, whose items are only the two known cards.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag

from ..types import BaseModelCard, FTModelCard, UnknownModelCard
from ..types._base import OutputType

_KNOWN_TYPES = frozenset({"base", "fine-tuned"})


def _card_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in _KNOWN_TYPES else "unknown"


def _keep_raw(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get("type")
        return {"type": kind if isinstance(kind, str) else "", "raw": value}
    return value


AnyModelCard = Annotated[
    Annotated[BaseModelCard, Tag("base")]
    | Annotated[FTModelCard, Tag("fine-tuned")]
    | Annotated[UnknownModelCard, BeforeValidator(_keep_raw), Tag("unknown")],
    Discriminator(_card_kind),
]


class ModelList(OutputType):
    """The seed's `ModelList`, whose items may also be `UnknownModelCard`s.

    `has_more` and `last_id` are set only when the request asked for a page (`limit`).
    """

    object: Literal["list"] = "list"
    data: list[AnyModelCard] = Field(default_factory=list)
    has_more: bool | None = None
    last_id: str | None = None
