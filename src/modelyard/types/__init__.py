"""The wire contract: every object that crosses the wire, shared by server and SDK.

Names follow the seed (Mistral's SDK docs); the seed's long generated names are aliases.
"""

from ._base import MODEL_ID_MAX_LENGTH
from .audit import AuditAction, AuditEvent, AuditEventList
from .capabilities import (
    CAPABILITY_FLAGS,
    FT_CAPABILITY_FLAGS,
    CapabilitiesIn,
    FTModelCapabilitiesOut,
    ModelCapabilities,
)
from .cards import BaseModelCard, FTModelCard, ModelCard, ModelList, UnknownModelCard
from .errors import ErrorBody, ErrorType, HTTPValidationErrorBody, ValidationErrorItem
from .fine_tuned import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ClassifierFTModelOut,
    ClassifierTargetOut,
    CompletionFTModelOut,
    FTModelOut,
    UpdateFTModelIn,
)
from .record import (
    MAX_LABELS,
    Alias,
    AliasDeleted,
    AliasIn,
    AliasList,
    Artifact,
    ArtifactIn,
    ArtifactPatch,
)
from .registration import ClassifierTargetIn, RegisterFTModelIn
from .results import ArchiveFTModelOut, DeleteModelOut, UnarchiveFTModelOut
from .tenancy import (
    ApiKey,
    ApiKeyCreated,
    ApiKeyCreateIn,
    ApiKeyList,
    ApiKeyRevoked,
    Me,
    Scope,
    Workspace,
    WorkspaceCreateIn,
    WorkspaceList,
)
from .webhooks import (
    Webhook,
    WebhookCreated,
    WebhookCreateIn,
    WebhookDeleted,
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookList,
    WebhookSecret,
    WebhookUpdateIn,
)

# The seed's generated names, so code written from the seed's docs type-checks.
RetrieveModelV1ModelsModelIDGetResponseRetrieveModelV1ModelsModelIDGet = (
    BaseModelCard | FTModelCard | UnknownModelCard
)
JobsAPIRoutesFineTuningUpdateFineTunedModelResponse = FTModelOut

__all__ = [
    "CAPABILITY_FLAGS",
    "DESCRIPTION_MAX_LENGTH",
    "FT_CAPABILITY_FLAGS",
    "MAX_LABELS",
    "MODEL_ID_MAX_LENGTH",
    "NAME_MAX_LENGTH",
    "Alias",
    "AliasDeleted",
    "AliasIn",
    "AliasList",
    "ApiKey",
    "ApiKeyCreateIn",
    "ApiKeyCreated",
    "ApiKeyList",
    "ApiKeyRevoked",
    "ArchiveFTModelOut",
    "Artifact",
    "ArtifactIn",
    "ArtifactPatch",
    "AuditAction",
    "AuditEvent",
    "AuditEventList",
    "BaseModelCard",
    "CapabilitiesIn",
    "ClassifierFTModelOut",
    "ClassifierTargetIn",
    "ClassifierTargetOut",
    "CompletionFTModelOut",
    "DeleteModelOut",
    "ErrorBody",
    "ErrorType",
    "FTModelCapabilitiesOut",
    "FTModelCard",
    "FTModelOut",
    "HTTPValidationErrorBody",
    "JobsAPIRoutesFineTuningUpdateFineTunedModelResponse",
    "Me",
    "ModelCapabilities",
    "ModelCard",
    "ModelList",
    "RegisterFTModelIn",
    "RetrieveModelV1ModelsModelIDGetResponseRetrieveModelV1ModelsModelIDGet",
    "Scope",
    "UnarchiveFTModelOut",
    "UnknownModelCard",
    "UpdateFTModelIn",
    "ValidationErrorItem",
    "Webhook",
    "WebhookCreateIn",
    "WebhookCreated",
    "WebhookDeleted",
    "WebhookDelivery",
    "WebhookDeliveryList",
    "WebhookList",
    "WebhookSecret",
    "WebhookUpdateIn",
    "Workspace",
    "WorkspaceCreateIn",
    "WorkspaceList",
]
