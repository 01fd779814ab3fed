"""The keyword arguments of the operations, each declared once.

`RequestOptions` are the four per-call options every operation takes. An operation with optional
arguments of its own declares them in a `TypedDict` that adds them to `RequestOptions`, so a
method and its `_async` twin share one declaration: `**params: Unpack[ListModelsParams]`. A key
left out means "not given"; the required arguments (`model_id`, `root`, ...) stay plain keywords.
A name that is not declared is refused at run time, as Python refuses an unknown keyword
(`Modelyard._request`), so `timeout=5` for `timeout_ms=5` fails loudly instead of being ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, TypedDict

from ..types import ArtifactIn, ArtifactPatch, AuditAction, CapabilitiesIn, ClassifierTargetIn
from ._retries import RetryConfig
from ._sentinel import NotGiven


class RequestOptions(TypedDict, total=False):
    """Per call, on every operation; each overrides the client's setting for that call only."""

    retries: RetryConfig | NotGiven | None  # None: one attempt only
    server_url: str | None
    timeout_ms: int | None
    http_headers: Mapping[str, str] | None  # extra headers; they win over the SDK's own


class IfMatchParams(RequestOptions, total=False):
    """`delete`, `archive`, `unarchive`: only if the model still has this ETag (else 412)."""

    if_match: str | None


class UpdateModelParams(IfMatchParams, total=False):
    """`models.update`: a JSON merge patch of the keys given; `None` clears a field.

    `labels` and `artifact` are merge patches themselves: `labels={"stage": "prod", "old": None}`
    sets `stage` and removes `old` (the others stay); `labels=None` removes them all; likewise
    inside `artifact`, whose result must keep a `uri`."""

    name: str | NotGiven | None
    description: str | NotGiven | None
    labels: Mapping[str, str | None] | NotGiven | None
    artifact: ArtifactPatch | Mapping[str, Any] | NotGiven | None


class ListModelsParams(RequestOptions, total=False):
    """`models.list` and `models.iter`: the filters and the page (Modelyard extensions)."""

    type: Literal["base", "fine-tuned"] | None
    archived: bool | None
    q: str | None
    provider: str | None
    model: str | None
    # `"stage=prod"` (the label has this value) or `"stage"` (the model has the label); several
    # must all hold.
    label: str | Sequence[str] | None
    limit: int | None
    after: str | None


class RegisterModelParams(RequestOptions, total=False):
    """`models.register`: everything but `root`; the SDK makes a `job` id when none is given."""

    job: str | uuid.UUID | None
    name: str | None
    description: str | None
    suffix: str | None
    model_type: Literal["completion", "classifier"] | None
    classifier_targets: Sequence[ClassifierTargetIn | Mapping[str, Any]] | None
    capabilities: CapabilitiesIn | Mapping[str, bool] | None
    max_context_length: int | None
    labels: Mapping[str, str] | None
    artifact: ArtifactIn | Mapping[str, Any] | None


class CreateApiKeyParams(RequestOptions, total=False):
    """`keys.create`: the key's name (optional)."""

    name: str | None


class ListApiKeysParams(RequestOptions, total=False):
    """`keys.list`: `all=True` lists revoked keys too (with `revoked_at`)."""

    all: bool | None


class SetAliasParams(IfMatchParams, total=False):
    """`aliases.set`: `if_match` moves the alias only if it still has this ETag (two promotions
    cannot cross); `if_none_match="*"` creates it only if it does not exist yet."""

    if_none_match: str | None


class ListAuditEventsParams(RequestOptions, total=False):
    """`audit.list` and `audit.iter`: the cursor, the page size and the filters."""

    after: int | None
    limit: int | None
    model_id: str | None
    action: AuditAction | None


class CreateWebhookParams(RequestOptions, total=False):
    """`webhooks.create`: the audit actions to receive (default: every model and alias action)
    and a description."""

    events: Sequence[AuditAction] | None
    description: str | None


class UpdateWebhookParams(RequestOptions, total=False):
    """`webhooks.update`: a merge patch of the keys given; `description=None` clears it."""

    url: str | None
    events: Sequence[AuditAction] | None
    description: str | None
    enabled: bool | None


class ListWebhookDeliveriesParams(RequestOptions, total=False):
    """`webhooks.deliveries`: how many of the newest deliveries (1-1000, default 100)."""

    limit: int | None


REQUEST_OPTIONS: Final = RequestOptions.__optional_keys__
