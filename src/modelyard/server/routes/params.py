"""Request parameters shared by routes, with the limits the contract and docs/api.md state."""

from typing import Annotated

from fastapi import Header, Path

from modelyard.registry.ids import MODEL_ID_MAX_LENGTH

# No control characters: they can't be in an id the registry ever issued.
ModelId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MODEL_ID_MAX_LENGTH,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="A model id or alias; may contain ':' and '/'.",
    ),
]
IF_MATCH_MAX_LENGTH = 1024
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=IF_MATCH_MAX_LENGTH,
        description="Apply only if the ETag matches.",
    ),
]
