"""Webhooks: the endpoints' rules (which events they receive: outbox.py), and what an attempt's
outcome means (its retry schedule, the endpoint's circuit). No HTTP here: the dispatcher sends
(server/webhook_dispatcher.py)."""

from __future__ import annotations

import base64
import datetime as dt
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from modelyard.store import records
from modelyard.store.engine import Tx
from modelyard.store.webhook_repository import DELIVERED, FAILED, PENDING
from modelyard.types.webhooks import DEFAULT_EVENTS, WebhookCreateIn, WebhookUpdateIn

from .audit import event_body
from .errors import NotFound
from .identity import Principal
from .outbox import new_delivery_id, read_all_events
from .targets import check_url

Json = dict[str, Any]
PING = "webhook.ping"
SECRET_PREFIX = "whsec_"

# The waits between attempts, as multiples of the base (5 s by default): 5 s, 30 s, 2 min,
# 10 min, 1 h, 3 h, 6 h, 12 h; after the ninth failed attempt (~22 h) the delivery has failed.
RETRY_STEPS = (1, 6, 24, 120, 720, 2160, 4320, 8640)
JITTER = 0.2  # each wait is drawn within ±20%, so endpoints that failed together spread out
EXCERPT_BYTES = 1024


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def retry_delay(attempts: int, base: float, rng: random.Random) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones; None: give up."""
    if attempts > len(RETRY_STEPS):
        return None
    step = RETRY_STEPS[attempts - 1] * base
    return step * rng.uniform(1 - JITTER, 1 + JITTER)


def rfc3339(seconds: float) -> str:
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# -- the endpoints ---------------------------------------------------------------------------


class WebhookService:
    """The rules of webhook endpoints; each method takes the caller's transaction."""

    def __init__(self, *, allow_private: bool, clock: Callable[[], float] = time.time) -> None:
        self.allow_private = allow_private
        self.clock = clock

    def create(self, tx: Tx, principal: Principal, body: WebhookCreateIn) -> records.Webhook:
        check_url(body.url, allow_private=self.allow_private)
        webhook = records.Webhook(
            id=f"wh_{secrets.token_hex(12)}",
            organization_id=principal.organization_id,
            url=body.url,
            events=list(dict.fromkeys(body.events or DEFAULT_EVENTS)),
            description=body.description,
            enabled=True,
            secret=new_secret(),
            created=int(self.clock()),
            disabled_reason=None,
            failing_since=None,
            event_cursor=tx.webhooks.last_event(),  # the events from now on
        )
        tx.webhooks.add(webhook)
        tx.webhooks_changed = True  # the dispatcher learns it has an endpoint
        return webhook

    def list(self, tx: Tx, principal: Principal) -> list[records.Webhook]:
        return tx.webhooks.of_organization(principal.organization_id)

    def get(self, tx: Tx, principal: Principal, webhook_id: str) -> records.Webhook:
        found = tx.webhooks.get(principal.organization_id, webhook_id)
        if found is None:
            raise NotFound(
                f"Webhook '{webhook_id}' not found.", code="webhook_not_found", param="webhook_id"
            )
        return found

    def update(
        self, tx: Tx, principal: Principal, webhook_id: str, patch: WebhookUpdateIn
    ) -> records.Webhook:
        webhook = self.get(tx, principal, webhook_id)
        given = patch.model_fields_set
        values: Json = {}
        if "url" in given and patch.url is not None:
            check_url(patch.url, allow_private=self.allow_private)
            values["url"] = patch.url
        if "events" in given and patch.events is not None:
            values["events"] = list(dict.fromkeys(patch.events))
        if "description" in given:
            values["description"] = patch.description
        if "enabled" in given and patch.enabled is not None:
            values["enabled"] = patch.enabled
            if patch.enabled:  # closing the circuit by hand: it starts counting afresh
                values.update(disabled_reason=None, failing_since=None)
                if not webhook.enabled:  # none of the events while it was disabled
                    values["event_cursor"] = tx.webhooks.last_event()
            elif webhook.enabled:  # the events while it was enabled are its
                read_all_events(tx, webhook.id)
        if values:
            tx.webhooks.update(webhook.id, **values)
            tx.webhooks_changed = True
        return replace(webhook, **values)

    def delete(self, tx: Tx, principal: Principal, webhook_id: str) -> Json:
        webhook = self.get(tx, principal, webhook_id)
        tx.webhooks.delete(webhook.id)
        return {"object": "webhook", "id": webhook.id, "deleted": True}

    def rotate_secret(self, tx: Tx, principal: Principal, webhook_id: str) -> Json:
        """A new secret, shown once; deliveries from now on are signed with it."""
        webhook = self.get(tx, principal, webhook_id)
        secret = new_secret()
        tx.webhooks.update(webhook.id, secret=secret)
        return {"object": "webhook.secret", "id": webhook.id, "secret": secret}

    def deliveries(self, tx: Tx, principal: Principal, webhook_id: str, *, limit: int) -> Json:
        webhook = self.get(tx, principal, webhook_id)
        found = tx.webhooks.deliveries(webhook.id, limit=limit + 1)
        return {
            "object": "list",
            "data": [delivery_body(each) for each in found[:limit]],
            "has_more": len(found) > limit,
        }

    def redeliver(self, tx: Tx, principal: Principal, webhook_id: str, delivery_id: str) -> Json:
        """Send a delivery again (same `webhook-id`), whatever became of it, now."""
        webhook = self.get(tx, principal, webhook_id)
        delivery = tx.webhooks.delivery(webhook.id, delivery_id)
        if delivery is None:
            raise NotFound(
                f"Delivery '{delivery_id}' not found.",
                code="delivery_not_found",
                param="delivery_id",
            )
        now_ms = int(self.clock() * 1000)
        tx.webhooks.reschedule(delivery.seq, now_ms)
        tx.webhooks_changed = True
        again = replace(delivery, status=PENDING, attempts=0, next_attempt_ms=now_ms)
        return delivery_body(again)

    def ping(self, tx: Tx, principal: Principal, webhook_id: str) -> Json:
        """A `webhook.ping` delivery, sent like any other (see the delivery log)."""
        webhook = self.get(tx, principal, webhook_id)
        now_ms = int(self.clock() * 1000)
        delivery_id = new_delivery_id()
        tx.webhooks.add_ping(delivery_id, webhook.id, PING, now_ms)
        tx.webhooks_changed = True
        found = tx.webhooks.delivery(webhook.id, delivery_id)
        assert found is not None, "added in this transaction"
        return delivery_body(found)


def webhook_body(webhook: records.Webhook) -> Json:
    return {
        "object": "webhook",
        "id": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "description": webhook.description,
        "enabled": webhook.enabled,
        "created": webhook.created,
        "disabled_reason": webhook.disabled_reason,
    }


def delivery_body(delivery: records.Delivery) -> Json:
    pending = delivery.status == PENDING
    return {
        "object": "webhook.delivery",
        "id": delivery.id,
        "webhook_id": delivery.webhook_id,
        "event_id": delivery.event_id,
        "type": delivery.action,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created": delivery.created_ms // 1000,
        "last_attempt_at": _seconds(delivery.last_attempt_ms),
        "response_status": delivery.response_status,
        "latency_ms": delivery.latency_ms,
        "response_excerpt": delivery.response_excerpt,
        "error": delivery.error,
        "next_attempt_at": _seconds(delivery.next_attempt_ms) if pending else None,
    }


def _seconds(ms: int | None) -> int | None:
    return None if ms is None else ms // 1000


# -- sending: what is sent, and what an attempt's outcome means ------------------------------


def delivery_payload(claimed: records.ClaimedDelivery) -> bytes:
    """`{"type", "timestamp", "data"}`: data is the audit event as `GET /v1/audit/events` gives
    it (a ping: the endpoint)."""
    delivery, event = claimed.delivery, claimed.event
    if event is None:
        data: Json = {"object": "webhook", "id": delivery.webhook_id}
        created: float = delivery.created_ms / 1000
    else:
        data, created = event_body(event), event.created
    return orjson.dumps({"type": delivery.action, "timestamp": rfc3339(created), "data": data})


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt's outcome: an answer (its status, time, excerpt), or an error."""

    claimed: records.ClaimedDelivery
    at_ms: int
    response_status: int | None = None
    latency_ms: int | None = None
    excerpt: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return (
            self.error is None
            and self.response_status is not None
            and (200 <= self.response_status < 300)
        )


def settle(
    tx: Tx,
    attempts: Sequence[Attempt],
    *,
    retry_base: float,
    circuit_seconds: float,
    rng: random.Random,
) -> None:
    """Record attempts: delivered, pending again after a backoff, or failed for good; and each
    endpoint's circuit, which opens (the endpoint is disabled, with the reason) once every
    attempt has failed for `circuit_seconds`."""
    endpoints = tx.webhooks.endpoints(a.claimed.delivery.webhook_id for a in attempts)
    changed: dict[str, Json] = {}
    outcomes: list[Json] = []
    for attempt in attempts:
        delivery = attempt.claimed.delivery
        count = delivery.attempts + 1
        next_ms = delivery.next_attempt_ms
        if attempt.succeeded:
            status = DELIVERED
        else:
            delay = retry_delay(count, retry_base, rng)
            status = FAILED if delay is None else PENDING
            next_ms = attempt.at_ms + int((delay or 0) * 1000)
        outcomes.append(
            {
                "seq": delivery.seq,
                "status": status,
                "attempts": count,
                "last_attempt_ms": attempt.at_ms,
                "response_status": attempt.response_status,
                "latency_ms": attempt.latency_ms,
                "response_excerpt": attempt.excerpt,
                "error": attempt.error,
                "next_attempt_ms": next_ms,
            }
        )
        endpoint = endpoints.get(delivery.webhook_id)
        if endpoint is None:  # deleted meanwhile
            continue
        values = changed.setdefault(endpoint.id, {})
        failing_since = values.get("failing_since", endpoint.failing_since)
        now = attempt.at_ms // 1000
        if attempt.succeeded:
            if failing_since is not None:
                values["failing_since"] = None
            continue
        if failing_since is None:
            values["failing_since"] = failing_since = now
        if endpoint.enabled and now - failing_since >= circuit_seconds:
            why = attempt.error or f"HTTP {attempt.response_status}"
            values.update(
                enabled=False,
                disabled_reason=(
                    f"Disabled at {rfc3339(now)}: every delivery attempt failed since "
                    f"{rfc3339(failing_since)} (last: {why})."
                )[:512],
            )
    tx.webhooks.settle(outcomes)
    for webhook_id, values in changed.items():
        if values:
            if values.get("enabled") is False:
                read_all_events(tx, webhook_id)
            tx.webhooks.update(webhook_id, **values)
