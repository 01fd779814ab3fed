"""Webhooks (CONTRACT.md section 8): endpoints that receive the audit events, signed."""

from __future__ import annotations

from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from ._base import A_NAME, InputType, OutputType
from .audit import AuditAction

URL_MAX_LENGTH = 2048
DESCRIPTION_MAX_LENGTH = 1024
# What an endpoint receives when it names no events: every model and alias action.
DEFAULT_EVENTS: tuple[str, ...] = tuple(
    action for action in get_args(AuditAction) if action.startswith(("model.", "alias."))
)
DeliveryStatus = Literal["pending", "delivered", "failed"]


def _http_url(value: str) -> str:
    """An absolute http(s) URL with a host; no user info (it would travel in every request)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as error:
        raise ValueError(f"not a URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("the URL's scheme must be http or https")
    if not parts.hostname:
        raise ValueError("the URL must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the URL must not hold user info")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in value):
        raise ValueError("the URL must not hold spaces or control characters")
    return value


WebhookUrl = Annotated[
    str, Field(min_length=1, max_length=URL_MAX_LENGTH, strict=True), AfterValidator(_http_url)
]
Events = Annotated[list[AuditAction], Field(min_length=1, max_length=len(get_args(AuditAction)))]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH, pattern=A_NAME, strict=True)]


class WebhookCreateIn(InputType):
    url: WebhookUrl
    events: Events | None = None  # None: DEFAULT_EVENTS
    description: Description | None = None


class WebhookUpdateIn(InputType):
    """A merge patch: a key absent leaves the field; `description: null` clears it."""

    url: WebhookUrl | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: Annotated[bool, Field(strict=True)] | None = None


class Webhook(OutputType):
    object: Literal["webhook"] = "webhook"
    id: str
    url: str
    events: list[AuditAction | str]
    description: str | None = None
    enabled: bool
    created: int
    # Why the circuit opened (the endpoint was disabled after failing for too long), else null.
    disabled_reason: str | None = None


class WebhookCreated(Webhook):
    secret: str


class WebhookList(OutputType):
    object: Literal["list"] = "list"
    data: list[Webhook] = Field(default_factory=list)


class WebhookDeleted(OutputType):
    object: Literal["webhook"] = "webhook"
    id: str
    deleted: bool = True


class WebhookSecret(OutputType):
    object: Literal["webhook.secret"] = "webhook.secret"
    id: str  # the webhook's id
    secret: str


class WebhookDelivery(OutputType):
    object: Literal["webhook.delivery"] = "webhook.delivery"
    id: str  # the `webhook-id` header of every attempt: `msg_...`
    webhook_id: str
    event_id: int | None = None  # null for a ping
    type: str
    status: DeliveryStatus | str
    attempts: int
    created: int
    last_attempt_at: int | None = None
    response_status: int | None = None
    latency_ms: int | None = None
    response_excerpt: str | None = None  # the receiver's answer, at most 1 KB
    error: str | None = None  # why the last attempt failed without an answer
    next_attempt_at: int | None = None


class WebhookDeliveryList(OutputType):
    object: Literal["list"] = "list"
    data: list[WebhookDelivery] = Field(default_factory=list)
    has_more: bool = False
