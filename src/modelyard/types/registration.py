"""`POST /v1/fine_tuning/models`: how a fine-tuning pipeline registers the model a job produced."""

from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from ._base import A_NAME, MODEL_ID_MAX_LENGTH, NO_CONTROL, NO_NUL, InputType
from .capabilities import CapabilitiesIn
from .fine_tuned import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from .record import ArtifactIn, Labels

JOB_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
SUFFIX_PATTERN = r"^[a-z0-9-]{1,18}$"

StrictText = Annotated[str, Field(strict=True)]


class ClassifierTargetIn(InputType):
    name: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_NUL, strict=True)]
    labels: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=128, pattern=NO_NUL)]],
        Field(min_length=1, max_length=1000),
    ]
    weight: Annotated[float, Field(gt=0, le=1_000_000)] = 1.0
    loss_function: Literal["single_class", "multi_class"] = "single_class"


class RegisterFTModelIn(InputType):
    root: Annotated[
        str,
        StringConstraints(min_length=1, max_length=MODEL_ID_MAX_LENGTH, pattern=NO_CONTROL),
        Field(strict=True),
    ]
    job: Annotated[str, StringConstraints(pattern=JOB_PATTERN), Field(strict=True)] | None = None
    name: Annotated[str, Field(max_length=NAME_MAX_LENGTH, pattern=A_NAME, strict=True)] | None = (
        None
    )
    description: (
        Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH, pattern=NO_NUL, strict=True)] | None
    ) = None
    suffix: Annotated[str, StringConstraints(pattern=SUFFIX_PATTERN), Field(strict=True)] | None = (
        None
    )
    model_type: Literal["completion", "classifier"] = "completion"
    classifier_targets: (
        Annotated[list[ClassifierTargetIn], Field(min_length=1, max_length=100)] | None
    ) = None
    capabilities: CapabilitiesIn | None = None
    # The column is a 32-bit integer on both dialects.
    max_context_length: Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)] | None = None
    labels: Labels | None = None
    artifact: ArtifactIn | None = None

    @model_validator(mode="after")
    def _classifier_targets_match_type(self) -> Self:
        if self.model_type == "classifier" and not self.classifier_targets:
            raise ValueError("a classifier needs classifier_targets")
        if self.model_type == "completion" and self.classifier_targets is not None:
            raise ValueError("classifier_targets is only for model_type 'classifier'")
        return self
