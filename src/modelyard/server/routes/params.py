"""Parameters shared by operations, with the limits the contract and docs/api.md state."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from modelyard.types import MODEL_ID_MAX_LENGTH
from modelyard.types._base import NO_CONTROL

from ..operations import HEADER, PATH, Params

ModelId = Annotated[
    str,
    PATH,
    Field(
        min_length=1,
        max_length=MODEL_ID_MAX_LENGTH,
        pattern=NO_CONTROL,
        description="A model id or alias; may contain ':' and '/'.",
    ),
]
IfMatch = Annotated[
    str | None,
    HEADER,
    Field(alias="If-Match", max_length=1024, description="Apply only if the ETag matches."),
]


class ModelRef(Params):
    model_id: ModelId


class ModelChange(Params):
    model_id: ModelId
    if_match: IfMatch = None
