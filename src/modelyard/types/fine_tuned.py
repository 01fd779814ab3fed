"""The fine-tuned model object (response of update) and the update request."""

from typing import Annotated, Literal

from pydantic import Field

from ._base import A_NAME, NO_NUL, InputType, OutputType
from .capabilities import FTModelCapabilitiesOut
from .record import Artifact, ArtifactPatch, LabelsPatch

NAME_MAX_LENGTH = 256
DESCRIPTION_MAX_LENGTH = 10_000


class ClassifierTargetOut(OutputType):
    name: str
    labels: list[str]
    weight: float
    loss_function: Literal["single_class", "multi_class"]


class _FTModelOut(OutputType):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str
    workspace_id: str
    root: str
    root_version: str
    archived: bool
    name: str | None = None
    description: str | None = None
    capabilities: FTModelCapabilitiesOut
    max_context_length: int
    aliases: list[str] = Field(default_factory=list)
    job: str
    labels: dict[str, str] = Field(default_factory=dict)
    artifact: Artifact | None = None


class CompletionFTModelOut(_FTModelOut):
    model_type: Literal["completion"] = "completion"


class ClassifierFTModelOut(_FTModelOut):
    model_type: Literal["classifier"] = "classifier"
    classifier_targets: list[ClassifierTargetOut]


FTModelOut = Annotated[
    CompletionFTModelOut | ClassifierFTModelOut, Field(discriminator="model_type")
]


class UpdateFTModelIn(InputType):
    """A JSON merge patch: an absent key leaves the field alone, `null` clears it. `labels` and
    `artifact` are merge patches themselves: `{"labels": {"stage": "prod", "old": null}}` sets
    `stage` and removes `old`; `{"labels": null}` removes every label."""

    name: Annotated[str, Field(max_length=NAME_MAX_LENGTH, pattern=A_NAME, strict=True)] | None = (
        None
    )
    description: (
        Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH, pattern=NO_NUL, strict=True)] | None
    ) = None
    labels: LabelsPatch | None = None
    artifact: ArtifactPatch | None = None
