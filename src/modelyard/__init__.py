"""Modelyard: a self-hosted model registry that speaks Mistral's Models API.

This package's top level is the Python SDK (`from modelyard import Modelyard`); it needs only httpx
and pydantic. The server lives in `modelyard.server` and needs the `server` extra.
"""

import typing
import warnings

from ._version import __version__
from .client._cards import AnyModelCard, ModelList
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
from .client._params import (
    CreateApiKeyParams,
    CreateWebhookParams,
    IfMatchParams,
    ListApiKeysParams,
    ListAuditEventsParams,
    ListModelsParams,
    ListWebhookDeliveriesParams,
    RegisterModelParams,
    RequestOptions,
    SetAliasParams,
    UpdateModelParams,
    UpdateWebhookParams,
)
from .client._raw import RawResponse
from .client._retries import DEFAULT_RETRIES, BackoffStrategy, RetryClock, RetryConfig
from .client._sentinel import NOT_GIVEN, NotGiven
from .client.resources.aliases import Aliases
from .client.resources.audit import Audit
from .client.resources.keys import Keys
from .client.resources.models import Models
from .client.resources.webhooks import Webhooks
from .client.resources.workspaces import Workspaces
from .types import (
    Alias,
    AliasDeleted,
    AliasList,
    ApiKey,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyRevoked,
    ArchiveFTModelOut,
    Artifact,
    ArtifactIn,
    ArtifactPatch,
    AuditAction,
    AuditEvent,
    AuditEventList,
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
    Me,
    ModelCapabilities,
    ModelCard,
    RetrieveModelV1ModelsModelIDGetResponseRetrieveModelV1ModelsModelIDGet,
    Scope,
    UnarchiveFTModelOut,
    UnknownModelCard,
    ValidationErrorItem,
    Webhook,
    WebhookCreated,
    WebhookDeleted,
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookList,
    WebhookSecret,
    Workspace,
    WorkspaceList,
)

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_SERVER_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APITimeoutError",
    "Alias",
    "AliasDeleted",
    "AliasList",
    "Aliases",
    "AnyModelCard",
    "ApiKey",
    "ApiKeyCreated",
    "ApiKeyList",
    "ApiKeyRevoked",
    "ArchiveFTModelOut",
    "Artifact",
    "ArtifactIn",
    "ArtifactPatch",
    "Audit",
    "AuditAction",
    "AuditEvent",
    "AuditEventList",
    "AuthenticationError",
    "BackoffStrategy",
    "BaseModelCard",
    "CapabilitiesIn",
    "ClassifierFTModelOut",
    "ClassifierTargetIn",
    "ClassifierTargetOut",
    "CompletionFTModelOut",
    "ConflictError",
    "CreateApiKeyParams",
    "CreateWebhookParams",
    "DeleteModelOut",
    "ErrorBody",
    "FTModelCapabilitiesOut",
    "FTModelCard",
    "FTModelOut",
    "HTTPValidationError",
    "HTTPValidationErrorBody",
    "IfMatchParams",
    "InternalServerError",
    "JobsAPIRoutesFineTuningUpdateFineTunedModelResponse",
    "Keys",
    "ListApiKeysParams",
    "ListAuditEventsParams",
    "ListModelsParams",
    "ListWebhookDeliveriesParams",
    "Me",
    "ModelCapabilities",
    "ModelCard",
    "ModelList",
    "Models",
    "Modelyard",
    "ModelyardError",
    "NotFoundError",
    "NotGiven",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "RawResponse",
    "RegisterModelParams",
    "RequestOptions",
    "RetrieveModelV1ModelsModelIDGetResponseRetrieveModelV1ModelsModelIDGet",
    "RetryClock",
    "RetryConfig",
    "SDKError",
    "Scope",
    "SetAliasParams",
    "UnarchiveFTModelOut",
    "UnknownModelCard",
    "UpdateModelParams",
    "UpdateWebhookParams",
    "ValidationErrorItem",
    "Webhook",
    "WebhookCreated",
    "WebhookDeleted",
    "WebhookDelivery",
    "WebhookDeliveryList",
    "WebhookList",
    "WebhookSecret",
    "Webhooks",
    "Workspace",
    "WorkspaceList",
    "Workspaces",
    "__version__",
]

if typing.TYPE_CHECKING:
    ModelListResult = ModelList  # deprecated: the name `list` returned before it was `ModelList`


def __getattr__(name: str) -> object:
    if name == "ModelListResult":
        warnings.warn(
            "modelyard.ModelListResult is deprecated: it is modelyard.ModelList now",
            DeprecationWarning,
            stacklevel=2,
        )
        return ModelList
    raise AttributeError(f"module 'modelyard' has no attribute {name!r}")
