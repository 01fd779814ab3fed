"""SQL for webhooks: the endpoints, and their deliveries (`webhook_deliveries`).

A change writes nothing here: its audit event, in its own transaction, is the outbox. The
dispatcher reads the events after each enabled endpoint's `event_cursor` and writes their
deliveries (registry/outbox.py). Event ids follow commit order: every transaction that appends
one takes the store's write lock (the revision row) first, so no event can commit below a cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import audit_events, webhook_deliveries, webhooks

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
# In the SQL text, not a parameter: the planners match it to the partial index of pending rows
# (SQLite cannot with a parameter; without that index, PostgreSQL's claim of 64 rows behind 5,000
# pending ones took ~4 s instead of ~0.1 s).
_IS_PENDING: sa.ColumnElement[str] = sa.literal_column(f"'{PENDING}'")

_D, _W, _A = webhook_deliveries, webhooks, audit_events
_EARLIER = webhook_deliveries.alias("earlier")
_EVENT_COLUMNS = tuple(column.name for column in audit_events.columns)
_EVENT_LABELS = tuple(column.label(f"ev_{column.name}") for column in audit_events.columns)
_LAST_EVENT = sa.select(sa.func.max(_A.c.id)).scalar_subquery()
# An enabled endpoint with events after its cursor: what the dispatcher has to read.
_BEHIND = (_W.c.enabled, _W.c.event_cursor < _LAST_EVENT)
_SAME_SUBJECT_BEFORE = (
    _EARLIER.c.webhook_id == _D.c.webhook_id,
    _EARLIER.c.subject == _D.c.subject,
    _EARLIER.c.status == _IS_PENDING,
    _EARLIER.c.seq < _D.c.seq,
)
# The pending delivery just before this one in its endpoint's and subject's order (null: none).
_PREVIOUS = (
    sa.select(sa.func.max(_EARLIER.c.seq))
    .where(*_SAME_SUBJECT_BEFORE)
    .scalar_subquery()
    .label("previous")
)
# The oldest pending delivery of this one's endpoint and subject: the one its order waits on
# (the rows behind it are neither leased nor in a backoff of their own: a run leases its rows
# together and gives back those after a failure). A `min` over the partial index is one index
# probe on both planners, whatever their statistics say.
_HEAD = (
    sa.select(sa.func.min(_EARLIER.c.seq))
    .where(
        _EARLIER.c.webhook_id == _D.c.webhook_id,
        _EARLIER.c.subject == _D.c.subject,
        _EARLIER.c.status == _IS_PENDING,
    )
    .correlate_except(_EARLIER)  # to the claimed row, two levels up
    .scalar_subquery()
)
_HEAD_ROW = webhook_deliveries.alias("head")
_DUE_FROM = _D.join(_W, _W.c.id == _D.c.webhook_id)


def _due(now_ms: int) -> tuple[Any, ...]:
    """Pending, due, not leased, of an enabled endpoint, and not behind one of its subject's
    that waits (a backoff) or is being sent: those wait their turn."""
    waiting = sa.exists().where(
        _HEAD_ROW.c.seq == _HEAD,
        sa.or_(_HEAD_ROW.c.next_attempt_ms > now_ms, _HEAD_ROW.c.lease_until_ms > now_ms),
    )
    return (
        _D.c.status == _IS_PENDING,
        _D.c.next_attempt_ms <= now_ms,
        _D.c.lease_until_ms <= now_ms,
        _W.c.enabled,
        ~waiting,
    )


# What an attempt's outcome sets on its delivery.
_SETTLED = (
    "status",
    "attempts",
    "last_attempt_ms",
    "response_status",
    "latency_ms",
    "response_excerpt",
    "error",
    "next_attempt_ms",
)
_SETTLE = (
    sa.update(_D)
    .where(_D.c.seq == sa.bindparam("s_seq"))
    .values(lease_until_ms=0, **{name: sa.bindparam(f"s_{name}") for name in _SETTLED})
)

# One delivery of an event: its id, endpoint, event, action, subject and time.
DeliveryRow = tuple[str, str, int, str, str, int]


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

    # -- the outbox: the audit log, read for each endpoint ------------------------------------

    def last_event(self) -> int:
        """The newest audit event's id (0: none yet)."""
        return int(self.conn.scalar(sa.select(sa.func.coalesce(_LAST_EVENT, 0))) or 0)

    def any_enabled(self) -> bool:
        found = self.conn.execute(sa.select(_W.c.id).where(_W.c.enabled).limit(1))
        return found.first() is not None

    def readers(self, webhook_id: str | None = None) -> list[records.Reader]:
        """The enabled endpoints (or the one) with events after their cursor, locked until this
        transaction ends. All of them: those another transaction holds are skipped (another
        replica's dispatcher reads for them: PostgreSQL's SKIP LOCKED; SQLite's writers are
        serialized). One: waits for it."""
        query = sa.select(_W.c.id, _W.c.organization_id, _W.c.events, _W.c.event_cursor).where(
            *_BEHIND
        )
        if webhook_id is not None:
            query = query.where(_W.c.id == webhook_id)
        locked = query.order_by(_W.c.id).with_for_update(skip_locked=webhook_id is None)
        rows = self.conn.execute(locked)
        return [
            records.Reader(webhook_id, organization_id, frozenset(events), cursor)
            for webhook_id, organization_id, events, cursor in rows
        ]

    def events_after(self, event_id: int, limit: int) -> list[records.EventHead]:
        query = (
            sa.select(_A.c.id, _A.c.organization_id, _A.c.action, _A.c.model_id)
            .where(_A.c.id > event_id)
            .order_by(_A.c.id)
            .limit(limit)
        )
        return [records.EventHead(*row) for row in self.conn.execute(query)]

    def add_deliveries(self, rows: Sequence[DeliveryRow]) -> None:
        if not rows:
            return
        self.conn.execute(
            sa.insert(_D).values(
                id=sa.bindparam("d_id"),
                webhook_id=sa.bindparam("d_webhook"),
                event_id=sa.bindparam("d_event"),
                action=sa.bindparam("d_action"),
                subject=sa.bindparam("d_subject"),
                status=PENDING,
                attempts=0,
                created_ms=sa.bindparam("d_now"),
                next_attempt_ms=sa.bindparam("d_now"),
                lease_until_ms=0,
            ),
            [
                {"d_id": a, "d_webhook": b, "d_event": c, "d_action": d, "d_subject": e, "d_now": f}
                for a, b, c, d, e, f in rows
            ],
        )

    def move_cursors(self, webhook_ids: Sequence[str], event_id: int) -> None:
        """The endpoints have read every event up to `event_id`."""
        if webhook_ids:
            self.conn.execute(
                sa.update(_W)
                .where(_W.c.id.in_(webhook_ids), _W.c.event_cursor < event_id)
                .values(event_cursor=event_id)
            )

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
        """Whether an enabled endpoint has events to read, or a delivery may be claimed now (a
        read: no write lock when neither)."""
        behind = sa.select(_W.c.id).where(*_BEHIND)
        if self.conn.execute(behind.limit(1)).first() is not None:
            return True
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

    def settle(self, outcomes: Sequence[dict[str, Any]]) -> None:
        """Attempts' outcomes (each: `seq` and the `_SETTLED` columns), in one statement run
        for each; their leases end."""
        if outcomes:
            self.conn.execute(
                _SETTLE, [{f"s_{name}": value for name, value in each.items()} for each in outcomes]
            )

    def prune(self, before_ms: int, limit: int) -> int:
        """Delete at most `limit` of the oldest ended deliveries made before `before_ms`;
        returns how many."""
        oldest = (
            sa.select(_D.c.seq)
            .where(_D.c.status.in_((DELIVERED, FAILED)), _D.c.created_ms < before_ms)
            .order_by(_D.c.seq)
            .limit(limit)
        )
        found = [seq for (seq,) in self.conn.execute(oldest)]
        if found:
            self.conn.execute(sa.delete(_D).where(_D.c.seq.in_(found)))
        return len(found)

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
