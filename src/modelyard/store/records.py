"""What the repositories return: plain frozen records, one per table row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: str
    created: int


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    organization_id: str
    name: str
    tag: str
    created: int


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    workspace_id: str
    organization_id: str
    name: str | None
    scope: str
    created: int
    last_used_at: int | None
    revoked_at: int | None


@dataclass(frozen=True, slots=True)
class BaseModel:
    id: str
    position: int
    in_catalog: bool
    provider: str
    version: str | None
    description: str | None
    created: int
    max_context_length: int
    aliases: tuple[str, ...]
    capabilities: dict[str, bool]
    default_model_temperature: float | None
    deprecation: str | None
    deprecation_replacement_model: str | None
    labels: dict[str, str]
    artifact: dict[str, Any] | None


class FineTunedModel(NamedTuple):
    """A fine-tuned model's row. A named tuple, not a frozen dataclass like the others: a list
    page builds fifty from rows, and a tuple is made from a row at C speed (a frozen dataclass's
    `__init__` sets each of its 18 fields through `object.__setattr__`: ~9% of a label page)."""

    id: str
    workspace_id: str
    job: str
    root: str
    model_type: str
    name: str | None
    description: str | None
    capabilities: dict[str, bool]
    max_context_length: int
    classifier_targets: list[dict[str, Any]] | None
    archived: bool
    created: int
    version: int
    deleted_at: int | None
    registration_digest: str
    labels: dict[str, str]
    artifact: dict[str, Any] | None
    aliases: list[str]


@dataclass(frozen=True, slots=True)
class Alias:
    workspace_id: str
    name: str
    model_id: str
    version: int
    updated: int


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    created: int
    organization_id: str
    workspace_id: str | None
    action: str
    actor_key_id: str | None
    model_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    token_hash: str
    key_id: str
    csrf_secret: str
    created: int
    last_seen: int


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    organization_id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    secret: str
    created: int
    disabled_reason: str | None
    failing_since: int | None
    event_cursor: int = 0  # the last audit event read for it (registry/outbox.py)


@dataclass(frozen=True, slots=True)
class Delivery:
    seq: int
    id: str
    webhook_id: str
    event_id: int | None
    action: str
    subject: str
    status: str
    attempts: int
    created_ms: int
    next_attempt_ms: int
    lease_until_ms: int
    last_attempt_ms: int | None
    response_status: int | None
    latency_ms: int | None
    response_excerpt: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a dispatcher holds the lease of, with what sending it needs."""

    delivery: Delivery
    url: str
    secret: str
    event: AuditEvent | None  # None: a ping


@dataclass(frozen=True, slots=True)
class Reader:
    """An enabled endpoint behind the audit log, as the outbox reads for it."""

    webhook_id: str
    organization_id: str
    events: frozenset[str]
    event_cursor: int


@dataclass(frozen=True, slots=True)
class EventHead:
    """What the outbox needs of an audit event: which endpoints it goes to, and its subject."""

    id: int
    organization_id: str
    action: str
    model_id: str | None
