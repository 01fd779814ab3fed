"""The model record (CONTRACT.md section 7): labels to find models, the artifact that says where
the weights are and what they are, and workspace aliases to promote them."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from ._base import InputType, OutputType

MAX_LABELS: Final = 64
LABEL_KEY_PATTERN: Final = r"^[a-z0-9](?:[a-z0-9._/-]{0,61}[a-z0-9])?$"
LABEL_VALUE_MAX_LENGTH: Final = 256
# No control characters in a label value (they would corrupt logs and tables); empty is fine.
LABEL_VALUE_PATTERN: Final = r"^[^\x00-\x1f\x7f]*$"

LabelKey = Annotated[str, StringConstraints(pattern=LABEL_KEY_PATTERN), Field(strict=True)]
LabelValue = Annotated[
    str,
    StringConstraints(max_length=LABEL_VALUE_MAX_LENGTH, pattern=LABEL_VALUE_PATTERN),
    Field(strict=True),
]
Labels = Annotated[dict[LabelKey, LabelValue], Field(max_length=MAX_LABELS)]
# A merge patch may remove as many labels as it sets.
LabelsPatch = Annotated[dict[LabelKey, LabelValue | None], Field(max_length=2 * MAX_LABELS)]

ALIAS_PATTERN: Final = r"^[a-z0-9][a-z0-9._-]{0,63}$"
AliasName = Annotated[str, StringConstraints(pattern=ALIAS_PATTERN), Field(strict=True)]

ARTIFACT_SCHEMES: Final = ("s3", "gs", "az", "abfs", "hf", "oci", "http", "https", "file")
ARTIFACT_FORMATS: Final = ("safetensors", "gguf", "pytorch", "onnx", "mlx", "other")
URI_MAX_LENGTH: Final = 2048
# Query parameters that carry a signature or a token: a presigned S3 or GCS URL, an Azure SAS,
# a CloudFront signed URL. Stored, they would hand the weights to anyone who can read the record.
_SECRET_PARAMETERS: Final = frozenset(
    {
        "x-amz-signature", "x-amz-credential", "x-amz-security-token",
        "x-goog-signature", "x-goog-credential", "sig", "sv", "se", "skoid",
        "signature", "key-pair-id", "policy", "token", "access_token",
    }
)  # fmt: skip


def _checked_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme.lower() not in ARTIFACT_SCHEMES:
        raise PydanticCustomError(
            "uri_scheme",
            "The URI's scheme must be one of {schemes}",
            {"schemes": ", ".join(ARTIFACT_SCHEMES)},
        )
    if "@" in parts.netloc:
        raise PydanticCustomError(
            "credentials_in_uri",
            "The URI carries credentials (user info before '@'): give where the weights are, "
            "never a secret; grant access to the serving system instead",
        )
    secret = sorted(
        {name for name, _ in parse_qsl(parts.query) if name.lower() in _SECRET_PARAMETERS}
    )
    if secret:
        raise PydanticCustomError(
            "credentials_in_uri",
            "The URI carries credentials (a presigned or signed query: {parameters}): give "
            "where the weights are, never a secret; grant access to the serving system instead",
            {"parameters": ", ".join(secret)},
        )
    return uri


ArtifactUri = Annotated[
    str,
    StringConstraints(min_length=1, max_length=URI_MAX_LENGTH, pattern=r"^[^\x00-\x20\x7f]+$"),
    Field(strict=True),
    AfterValidator(_checked_uri),
]
ArtifactFormat = Literal["safetensors", "gguf", "pytorch", "onnx", "mlx", "other"]
Digest = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$"), Field(strict=True)]
Count = Annotated[int, Field(ge=0, le=2**63 - 1, strict=True)]
Quantization = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[^\x00-\x1f\x7f]+$"),
    Field(strict=True),
]  # fmt: skip
Flag = Annotated[bool, Field(strict=True)]


class ArtifactPatch(InputType):
    """A JSON merge patch of the artifact: an absent key is left alone, `null` clears it."""

    uri: ArtifactUri | None = None
    format: ArtifactFormat | None = None
    digest: Digest | None = None
    size_bytes: Count | None = None
    parameter_count: Count | None = None
    quantization: Quantization | None = None
    adapter: Flag | None = None


class ArtifactIn(ArtifactPatch):
    """Where a model's weights are and what they are; `uri` is required."""

    uri: ArtifactUri


ARTIFACT_KEYS: Final = tuple(ArtifactIn.model_fields)


class Artifact(OutputType):
    uri: str
    format: str | None = None
    digest: str | None = None
    size_bytes: int | None = None
    parameter_count: int | None = None
    quantization: str | None = None
    adapter: bool | None = None


def full_artifact(values: dict[str, Any]) -> dict[str, Any]:
    """Every artifact key, in order, null when unknown (what a card shows)."""
    return {key: values.get(key) for key in ARTIFACT_KEYS}


class AliasIn(InputType):
    """`PUT /v1/aliases/{alias}`: the fine-tuned model the alias names."""

    model: Annotated[
        str, StringConstraints(min_length=1, max_length=512, pattern=r"^[^\x00-\x1f\x7f]+$"),
        Field(strict=True),
    ]  # fmt: skip


class Alias(OutputType):
    object: Literal["alias"] = "alias"
    id: str
    model: str
    workspace_id: str
    updated: int


class AliasList(OutputType):
    object: Literal["list"] = "list"
    data: list[Alias] = Field(default_factory=list)


class AliasDeleted(OutputType):
    object: Literal["alias"] = "alias"
    id: str
    deleted: bool = True
