"""Model cards: the items of `GET /v1/models`, the body of retrieve and of registration."""

from typing import Annotated, Any, Literal

from pydantic import Field

from ._base import OutputType
from .capabilities import ModelCapabilities
from .record import Artifact


class _Card(OutputType):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str
    capabilities: ModelCapabilities
    name: str | None = None
    description: str | None = None
    max_context_length: int
    aliases: list[str] = Field(default_factory=list)
    deprecation: str | None = None
    deprecation_replacement_model: str | None = None
    default_model_temperature: float | None = None
    # The model record (Modelyard extensions, CONTRACT.md section 7).
    labels: dict[str, str] = Field(default_factory=dict)
    artifact: Artifact | None = None


class BaseModelCard(_Card):
    type: Literal["base"] = "base"


class FTModelCard(_Card):
    type: Literal["fine-tuned"] = "fine-tuned"
    job: str
    root: str
    archived: bool = False


class UnknownModelCard(OutputType):
    """A card whose `type` this SDK does not know yet: kept whole instead of failing the list."""

    type: str
    raw: dict[str, Any]


ModelCard = Annotated[BaseModelCard | FTModelCard, Field(discriminator="type")]


class ModelList(OutputType):
    object: Literal["list"] = "list"
    data: list[ModelCard] = Field(default_factory=list)
    has_more: bool | None = None
    last_id: str | None = None
