"""The outbox is the audit log: a change appends its event in its own transaction and writes
nothing else for webhooks, so an acknowledged change is delivered even if the process dies right
after, and a PATCH costs the same with endpoints subscribed as without.

The dispatcher reads the events each enabled endpoint has not read yet (`event_cursor`) and
writes their deliveries, many per transaction, off every request's path. An endpoint receives
the events of its organization it is subscribed to, from its creation on, except while it is
disabled: disabling it reads its events up to that moment first; enabling it again starts after
the newest event.
"""

from __future__ import annotations

import random
import time

from modelyard.store.engine import Tx

# Events read per pass at most, and deliveries written per pass at most (the pass ends after
# the event that reaches it): what one dispatcher transaction holds.
READ_EVENTS = 1_000
WRITE_DELIVERIES = 2_000


def new_delivery_id(now_ms: int | None = None) -> str:
    """`msg_` and 32 hex digits: the time in milliseconds, then 80 random bits. Ids made later
    sort later, so the unique index grows at its end (random ids cost a random page each).
    A PRNG, not os.urandom: the id names a delivery in its headers, it guards nothing."""
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    return f"msg_{now_ms:012x}{random.getrandbits(80):020x}"


def read_events(
    tx: Tx,
    webhook_id: str | None = None,
    *,
    now_ms: int | None = None,
    limit: int = READ_EVENTS,
) -> bool:
    """One pass: the deliveries of at most `limit` events after the enabled endpoints' cursors
    (or one endpoint's), in audit order, due at `now_ms` (default: now); their cursors move past
    what was read. Returns whether there was anything to read."""
    readers = tx.webhooks.readers(webhook_id)
    if not readers:
        return False
    events = tx.webhooks.events_after(min(each.event_cursor for each in readers), limit)
    if not events:
        return False
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    rows = []
    read_up_to = events[-1].id
    for event in events:
        for each in readers:
            if (
                event.id > each.event_cursor
                and event.organization_id == each.organization_id
                and event.action in each.events
            ):
                rows.append(
                    (
                        new_delivery_id(now_ms),
                        each.webhook_id,
                        event.id,
                        event.action,
                        event.model_id or "",
                        now_ms,
                    )
                )
        if len(rows) >= WRITE_DELIVERIES:
            read_up_to = event.id
            break
    tx.webhooks.add_deliveries(rows)
    tx.webhooks.move_cursors([each.webhook_id for each in readers], read_up_to)
    return True


def read_all_events(tx: Tx, webhook_id: str | None = None) -> None:
    """Every event up to now read, for one endpoint (before it is disabled) or all."""
    while read_events(tx, webhook_id):
        pass
