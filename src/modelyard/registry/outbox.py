"""The outbox: the webhook deliveries a change writes in its own transaction, beside its audit
event, so an acknowledged change is delivered even if the process dies right after."""

from __future__ import annotations

import random
import time

from modelyard.store.engine import Tx


def new_delivery_id() -> str:
    # A PRNG, not os.urandom: this runs on the writer thread (see operations._request_id); the
    # id names a delivery in its headers, it guards nothing.
    return f"msg_{random.getrandbits(128):032x}"


def enqueue_deliveries(tx: Tx, organization_id: str, action: str, model_id: str | None) -> None:
    """An outbox row for each enabled endpoint of the organization subscribed to `action`, for
    the audit event just appended in this transaction. Subject: the model, whose events each
    endpoint receives in audit order. The endpoints come from memory (`tx.subscriptions`)."""
    subscribed = tx.subscriptions.of(tx.webhooks, organization_id)
    if not subscribed:
        return
    now_ms = int(time.time() * 1000)
    rows = [
        (new_delivery_id(), each.webhook_id, action, model_id or "", now_ms)
        for each in subscribed
        if action in each.events
    ]
    if rows:
        tx.webhooks.enqueue(rows)
        tx.enqueued = True
