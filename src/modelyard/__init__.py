"""Modelyard: a self-hosted model registry that speaks Mistral's Models API.

This package's top level is the Python SDK (`from modelyard import Modelyard`); it needs only httpx
and pydantic. The server lives in `modelyard.server` and needs the `server` extra.
"""

from ._version import __version__
from .client._cards import AnyModelCard, ModelListResult
from .client._client import DEFAULT_SERVER_URL, Modelyard
from .client._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    HTTPValidationError,
    InternalServerError,
    ModelyardError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    SDKError,
)
from .client._resources import Models
from .client._retries import DEFAULT_RETRIES, BackoffStrategy, RetryClock, RetryConfig
from .client._sentinel import NOT_GIVEN, NotGiven
from .types import (
    ArchiveFTModelOut,
    BaseModelCard,
    CapabilitiesIn,
    ClassifierFTModelOut,
    ClassifierTargetIn,
    ClassifierTargetOut,
    CompletionFTModelOut,
    DeleteModelOut,
    ErrorBody,
    FTModelCapabilitiesOut,
    FTModelCard,
    FTModelOut,
    HTTPValidationErrorBody,
    JobsAPIRoutesFineTuningUpdateFineTunedModelResponse,
    ModelCapabilities,
    ModelCard,
    ModelList,
    RetrieveModelV1ModelsModelIDGetResponseRetrieveModelV1ModelsModelIDGet,
    UnarchiveFTModelOut,
    UnknownModelCard,
    ValidationErrorItem,
)

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_SERVER_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APITimeoutError",
    "AnyModelCard",
    "ArchiveFTModelOut",
    "AuthenticationError",
    "BackoffStrategy",
    "BaseModelCard",
    "CapabilitiesIn",
    "ClassifierFTModelOut",
    "ClassifierTargetIn",
    "ClassifierTargetOut",
    "CompletionFTModelOut",
    "ConflictError",
    "DeleteModelOut",
    "ErrorBody",
    "FTModelCapabilitiesOut",
    "FTModelCard",
    "FTModelOut",
    "HTTPValidationError",
    "HTTPValidationErrorBody",
    "InternalServerError",
    "JobsAPIRoutesFineTuningUpdateFineTunedModelResponse",
    "ModelCapabilities",
    "ModelCard",
    "ModelList",
    "ModelListResult",
    "Models",
    "Modelyard",
    "ModelyardError",
    "NotFoundError",
    "NotGiven",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "RetrieveModelV1ModelsModelIDGetResponseRetrieveModelV1ModelsModelIDGet",
    "RetryClock",
    "RetryConfig",
    "SDKError",
    "UnarchiveFTModelOut",
    "UnknownModelCard",
    "ValidationErrorItem",
    "__version__",
]
