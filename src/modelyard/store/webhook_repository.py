"""SQL for webhooks: the endpoints, and the outbox of their deliveries (`webhook_deliveries`).

The outbox rows of a change are written in the change's transaction, right after its audit
event: that event is the newest row of `audit_events` in the transaction (writers are serialized
by the store's write lock), so a row names it as `(SELECT max(id) FROM audit_events)` and the
insert needs no answer from the database (PostgreSQL's pipelined batches stay pipelined).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import audit_events, webhook_deliveries, webhooks

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

_D, _W, _A = webhook_deliveries, webhooks, audit_events
_EARLIER = webhook_deliveries.alias("earlier")
_EVENT_COLUMNS = tuple(column.name for column in audit_events.columns)
_EVENT_LABELS = tuple(column.label(f"ev_{column.name}") for column in audit_events.columns)
_LAST_EVENT = sa.select(sa.func.max(_A.c.id)).scalar_subquery()
_SAME_SUBJECT_BEFORE = (
    _EARLIER.c.webhook_id == _D.c.webhook_id,
    _EARLIER.c.subject == _D.c.subject,
    _EARLIER.c.status == PENDING,
    _EARLIER.c.seq < _D.c.seq,
)
# The pending delivery just before this one in its endpoint's and subject's order (null: none).
_PREVIOUS = (
    sa.select(sa.func.max(_EARLIER.c.seq))
    .where(*_SAME_SUBJECT_BEFORE)
    .scalar_subquery()
    .label("previous")
)
_DUE_FROM = _D.join(_W, _W.c.id == _D.c.webhook_id)


def _due(now_ms: int) -> tuple[Any, ...]:
    """Pending, due, not leased, of an enabled endpoint, and not behind one of its subject's
    that waits (a backoff) or is being sent: those wait their turn."""
    waiting = sa.exists().where(
        *_SAME_SUBJECT_BEFORE,
        sa.or_(_EARLIER.c.next_attempt_ms > now_ms, _EARLIER.c.lease_until_ms > now_ms),
    )
    return (
        _D.c.status == PENDING,
        _D.c.next_attempt_ms <= now_ms,
        _D.c.lease_until_ms <= now_ms,
        _W.c.enabled,
        ~waiting,
    )


# One outbox row: its id, endpoint, action, subject and time (twice: created, first attempt).
OutboxRow = tuple[str, str, str, str, int]


# The outbox insert, declared once: the portable repository runs it through SQLAlchemy, each
# dialect on its driver (`_run`).
# `inline`: no RETURNING of the serial `seq` (nothing reads it; pipelined batches stay one-way).
_ENQUEUE = (
    sa.insert(_D)
    .inline()
    .values(
        id=sa.bindparam("delivery_id"),
        webhook_id=sa.bindparam("endpoint_id"),
        event_id=_LAST_EVENT,
        action=sa.bindparam("event_action"),
        subject=sa.bindparam("event_subject"),
        status=PENDING,
        attempts=0,
        created_ms=sa.bindparam("now_ms"),
        next_attempt_ms=sa.bindparam("now_ms"),
        lease_until_ms=0,
    )
)


class WebhookRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- endpoints ------------------------------------------------------------------------

    def add(self, webhook: records.Webhook) -> None:
        self.conn.execute(sa.insert(_W).values(**_values(webhook)))

    def get(self, organization_id: str, webhook_id: str) -> records.Webhook | None:
        query = sa.select(_W).where(_W.c.id == webhook_id, _W.c.organization_id == organization_id)
        row = self.conn.execute(query).first()
        return records.Webhook(**row._mapping) if row else None

    def of_organization(self, organization_id: str) -> list[records.Webhook]:
        query = sa.select(_W).where(_W.c.organization_id == organization_id)
        rows = self.conn.execute(query.order_by(_W.c.created, _W.c.id))
        return [records.Webhook(**row._mapping) for row in rows]

    def update(self, webhook_id: str, **values: Any) -> None:
        self.conn.execute(sa.update(_W).where(_W.c.id == webhook_id).values(**values))

    def delete(self, webhook_id: str) -> None:
        self.conn.execute(sa.delete(_D).where(_D.c.webhook_id == webhook_id))
        self.conn.execute(sa.delete(_W).where(_W.c.id == webhook_id))

    def subscriptions(self) -> dict[str, tuple[records.Subscription, ...]]:
        """Every enabled endpoint, by organization."""
        query = sa.select(_W.c.id, _W.c.organization_id, _W.c.events).where(_W.c.enabled)
        found: dict[str, list[records.Subscription]] = {}
        for webhook_id, organization_id, events in self.conn.execute(query):
            found.setdefault(organization_id, []).append(
                records.Subscription(webhook_id, frozenset(events))
            )
        return {organization_id: tuple(each) for organization_id, each in found.items()}

    # -- the outbox -----------------------------------------------------------------------

    def enqueue(self, rows: Sequence[OutboxRow]) -> None:
        """Outbox rows for the audit event just appended in this transaction."""
        for delivery_id, webhook_id, action, subject, now_ms in rows:
            values = {
                "delivery_id": delivery_id,
                "endpoint_id": webhook_id,
                "event_action": action,
                "event_subject": subject,
                "now_ms": now_ms,
            }
            self._run(_ENQUEUE, values)

    def _run(self, statement: sa.Insert, values: dict[str, Any]) -> None:
        """A write of the change path; each dialect runs it on its driver (sqlite.py,
        postgresql.py)."""
        self.conn.execute(statement, values)

    def add_ping(self, delivery_id: str, webhook_id: str, action: str, now_ms: int) -> None:
        """A delivery with no event; its subject is its own, so nothing waits for it."""
        self.conn.execute(
            sa.insert(_D).values(
                id=delivery_id,
                webhook_id=webhook_id,
                event_id=None,
                action=action,
                subject=f"{action}:{delivery_id}",
                status=PENDING,
                attempts=0,
                created_ms=now_ms,
                next_attempt_ms=now_ms,
                lease_until_ms=0,
            )
        )

    def deliveries(self, webhook_id: str, *, limit: int) -> list[records.Delivery]:
        """An endpoint's deliveries, newest first."""
        query = sa.select(_D).where(_D.c.webhook_id == webhook_id)
        rows = self.conn.execute(query.order_by(_D.c.seq.desc()).limit(limit))
        return [records.Delivery(**row._mapping) for row in rows]

    def delivery(self, webhook_id: str, delivery_id: str) -> records.Delivery | None:
        query = sa.select(_D).where(_D.c.id == delivery_id, _D.c.webhook_id == webhook_id)
        row = self.conn.execute(query).first()
        return records.Delivery(**row._mapping) if row else None

    def reschedule(self, seq: int, now_ms: int) -> None:
        """Pending again, due now, with a fresh count of attempts (a redelivery)."""
        self.conn.execute(
            sa.update(_D)
            .where(_D.c.seq == seq)
            .values(status=PENDING, attempts=0, next_attempt_ms=now_ms, lease_until_ms=0)
        )

    def due(self, now_ms: int) -> bool:
        """Whether any delivery may be claimed now (a read: no write lock when none is)."""
        query = sa.select(_D.c.seq).select_from(_DUE_FROM).where(*_due(now_ms)).limit(1)
        return self.conn.execute(query).first() is not None

    def claim(
        self, now_ms: int, limit: int, lease_ms: int, groups: int
    ) -> list[list[records.ClaimedDelivery]]:
        """Due deliveries of enabled endpoints, leased to the caller for `lease_ms`: at most
        `groups` runs of one endpoint and subject each, every run starting at its subject's
        oldest pending delivery and holding the next ones in order (at most `limit` in all).

        Rows another transaction is claiming are skipped (PostgreSQL's SKIP LOCKED; SQLite's
        writers are serialized); a run stops before a gap, so one skipped that way is never
        overtaken."""
        query = (
            sa.select(_D, _W.c.url, _W.c.secret, _PREVIOUS, *_EVENT_LABELS)
            .select_from(_DUE_FROM.outerjoin(_A, _A.c.id == _D.c.event_id))
            .where(*_due(now_ms))
            .order_by(_D.c.seq)
            .limit(limit)
            .with_for_update(of=_D, skip_locked=True)
        )
        runs: dict[tuple[str, str], list[records.ClaimedDelivery]] = {}
        closed: set[tuple[str, str]] = set()
        for row in self.conn.execute(query):
            found = row._mapping
            key = (found["webhook_id"], found["subject"])
            if key in closed:
                continue
            run = runs.get(key)
            if run is None and found["previous"] is None and len(runs) < groups:
                runs[key] = [_claimed(found)]
            elif run is not None and found["previous"] == run[-1].delivery.seq:
                run.append(_claimed(found))
            else:
                closed.add(key)
        seqs = [each.delivery.seq for run in runs.values() for each in run]
        if seqs:
            self.conn.execute(
                sa.update(_D).where(_D.c.seq.in_(seqs)).values(lease_until_ms=now_ms + lease_ms)
            )
        return list(runs.values())

    def release(self, seqs: Sequence[int]) -> None:
        """Leased deliveries given back unsent (a run stopped at a failure)."""
        if seqs:
            self.conn.execute(sa.update(_D).where(_D.c.seq.in_(seqs)).values(lease_until_ms=0))

    def settle(self, seq: int, **values: Any) -> None:
        """An attempt's outcome; the lease ends."""
        self.conn.execute(sa.update(_D).where(_D.c.seq == seq).values(lease_until_ms=0, **values))

    def endpoints(self, webhook_ids: Iterable[str]) -> dict[str, records.Webhook]:
        query = sa.select(_W).where(_W.c.id.in_(sorted(set(webhook_ids))))
        return {row.id: records.Webhook(**row._mapping) for row in self.conn.execute(query)}


def _values(webhook: records.Webhook) -> dict[str, Any]:
    return {name: getattr(webhook, name) for name in webhook.__dataclass_fields__}


def _claimed(row: Any) -> records.ClaimedDelivery:
    delivery = records.Delivery(
        **{name: row[name] for name in records.Delivery.__dataclass_fields__}
    )
    event = None
    if row["ev_id"] is not None:
        event = records.AuditEvent(**{name: row[f"ev_{name}"] for name in _EVENT_COLUMNS})
    return records.ClaimedDelivery(delivery, row["url"], row["secret"], event)


class Subscriptions:
    """The enabled endpoints of every organization, kept in memory for the write path.

    Read again when a change of this process invalidated them, or when they are older than
    `max_age` seconds: an endpoint created or disabled through another replica is seen within
    that time."""

    def __init__(self, max_age: float = 1.0) -> None:
        self.max_age = max_age
        self._by_organization: dict[str, tuple[records.Subscription, ...]] = {}
        self._loaded = float("-inf")
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._loaded = float("-inf")

    def of(
        self, repository: WebhookRepository, organization_id: str
    ) -> tuple[records.Subscription, ...]:
        now = time.monotonic()
        if now - self._loaded > self.max_age:
            with self._lock:
                found = repository.subscriptions()
                self._by_organization, self._loaded = found, now
        return self._by_organization.get(organization_id, ())
