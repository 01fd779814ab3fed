"""The tables. Portable column types only: the same schema runs on SQLite and PostgreSQL.

Times are unix seconds (integers), as on the wire. Fine-tuned models are never removed: a delete
sets `deleted_at`, so an id is never given to another model and the audit log stays whole.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa


def dump_json(value: Any) -> str:
    """How a JSON column's value is written, by SQLAlchemy (the engines' serializer) and by the
    SQLite write path alike (sqlite_driver.py): orjson, `None` as JSON `null`."""
    return orjson.dumps(value).decode()


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# Row 1, the store revision: every write transaction bumps it first; that serializes writers (no
# lost updates) and tells every replica's caches that something changed. Row 2, the catalog
# version: bumped only when a catalog sync changed the base models, so the in-memory catalog view
# is rebuilt only then. Row 3, the tenancy version: bumped with every change to workspaces or
# keys, so memoized key lookups survive model changes and die with a revocation.
STORE_REVISION, CATALOG_VERSION, TENANCY_VERSION = 1, 2, 3

store_revision = sa.Table(
    "store_revision",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger, nullable=False),
)

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("created", sa.BigInteger, nullable=False),
)

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("tag", sa.String(8), nullable=False, unique=True),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("organization_id", "name"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("name", sa.String(256)),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("last_used_at", sa.BigInteger),
    sa.Column("revoked_at", sa.BigInteger),
)

base_models = sa.Table(
    "base_models",
    metadata,
    sa.Column("id", sa.String(512), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("in_catalog", sa.Boolean, nullable=False),
    sa.Column("provider", sa.String(128), nullable=False),
    sa.Column("version", sa.String(128)),
    sa.Column("description", sa.Text),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("max_context_length", sa.Integer, nullable=False),
    sa.Column("aliases", sa.JSON, nullable=False),
    sa.Column("capabilities", sa.JSON, nullable=False),
    sa.Column("default_model_temperature", sa.Float),
    sa.Column("deprecation", sa.String(64)),
    sa.Column("deprecation_replacement_model", sa.String(512)),
    sa.Column("labels", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("artifact", sa.JSON),
)

# Byte order on every dialect (PostgreSQL's "C" collation, SQLite's BINARY): keyset pages of
# `GET /v1/models?limit=` merge these ids with the base entries sorted in Python.
ModelIdColumn = sa.String(700).with_variant(sa.String(700, collation="C"), "postgresql")

fine_tuned_models = sa.Table(
    "fine_tuned_models",
    metadata,
    sa.Column("id", ModelIdColumn, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("job", sa.String(36), nullable=False),
    sa.Column("root", sa.String(512), nullable=False),
    sa.Column("model_type", sa.String(16), nullable=False),
    sa.Column("name", sa.String(256)),
    sa.Column("description", sa.Text),
    sa.Column("capabilities", sa.JSON, nullable=False),
    sa.Column("max_context_length", sa.Integer, nullable=False),
    sa.Column("classifier_targets", sa.JSON),
    sa.Column("archived", sa.Boolean, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    # Bumped by every change: the ETag is derived from it.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted_at", sa.BigInteger),
    # What the registration asked for, so a replay of the same job can be told from a conflict.
    sa.Column("registration_digest", sa.String(64), nullable=False),
    # The record (CONTRACT.md section 7). `labels` is also kept in `model_labels`, indexed for
    # the list's label filter; `aliases` mirrors the `aliases` rows that name this model, sorted,
    # so a card needs no join.
    sa.Column("labels", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("artifact", sa.JSON),
    sa.Column("aliases", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    sa.UniqueConstraint("workspace_id", "job"),
    # The list of one workspace: newest first, deleted rows filtered by the index's second column.
    sa.Index(None, "workspace_id", "deleted_at", "created"),
    # Keyset pages of one workspace, in id order.
    sa.Index(None, "workspace_id", "id"),
)

# One row per label of a fine-tuned model, for `GET /v1/models?label=k=v`: the filter reads this
# index (the workspace, the key, the value) and never scans the workspace's models.
model_labels = sa.Table(
    "model_labels",
    metadata,
    sa.Column("model_id", ModelIdColumn, sa.ForeignKey("fine_tuned_models.id"), primary_key=True),
    sa.Column("key", sa.String(63), primary_key=True),
    sa.Column("workspace_id", sa.String(64), nullable=False),
    sa.Column("value", sa.String(256), nullable=False),
    sa.Index(None, "workspace_id", "key", "value", "model_id"),
)

# A workspace's names for its fine-tuned models. `version` is the alias's ETag: a move with
# `If-Match` is refused when another move came first.
aliases = sa.Table(
    "aliases",
    metadata,
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("model_id", ModelIdColumn, sa.ForeignKey("fine_tuned_models.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated", sa.BigInteger, nullable=False),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("organization_id", sa.String(64), nullable=False),
    sa.Column("workspace_id", sa.String(64)),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("actor_key_id", sa.String(64)),
    sa.Column("model_id", sa.String(700)),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
    sa.Column("request_id", sa.String(128)),
    sa.Index(None, "organization_id", "id"),
    sa.Index(None, "model_id"),
)

# Signed-in sessions of the web console (console/), in the store so every replica knows them.
# Only a hash of the session token is kept (as for keys); `csrf_secret` is the synchronizer token
# of the session's forms. A session lives while its key does: revoked keys end it (checked on
# every request). `last_seen` moves at most every few minutes (the idle timeout's clock).
console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("key_id", sa.ForeignKey("api_keys.id"), nullable=False, index=True),
    sa.Column("csrf_secret", sa.String(64), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("last_seen", sa.BigInteger, nullable=False, index=True),
)

# Webhook endpoints of an organization (CONTRACT.md section 8). `secret` is kept as given out
# (`whsec_...`): signing needs it. The circuit: `failing_since` is when the endpoint's attempts
# began to fail (null after a success); past the window it is disabled with a `disabled_reason`.
webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id"), nullable=False, index=True),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("description", sa.String(1024)),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("disabled_reason", sa.String(512)),
    sa.Column("failing_since", sa.BigInteger),
    # The last audit event the dispatcher has turned into this endpoint's deliveries (or
    # skipped: another organization's, an event it is not subscribed to, or while it was
    # disabled). Events after it are waiting to be read (registry/outbox.py).
    sa.Column("event_cursor", sa.BigInteger, nullable=False, server_default="0"),
)

# The deliveries: one row per (audit event, subscribed endpoint), written by the dispatcher from
# the audit log (the outbox: a change's event is in its own transaction, so an acknowledged change
# is delivered even if the process dies right after), and a ping's.
# `seq` orders the rows as their events (the audit order); `subject` is what the per-endpoint
# order holds for (the model's id): row N+1 of a subject waits until row N is delivered or failed.
# Times in milliseconds (retries in tests are sub-second). `lease_until_ms`: a dispatcher claimed
# the row and is sending it; after that moment another may (the claimer died).
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("webhook_id", sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_id", sa.BigInteger),  # null: a ping
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(700), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_ms", sa.BigInteger, nullable=False),
    sa.Column("next_attempt_ms", sa.BigInteger, nullable=False),
    sa.Column("lease_until_ms", sa.BigInteger, nullable=False),
    sa.Column("last_attempt_ms", sa.BigInteger),
    sa.Column("response_status", sa.Integer),
    sa.Column("latency_ms", sa.Integer),
    sa.Column("response_excerpt", sa.String(1024)),
    sa.Column("error", sa.String(512)),
    # What the dispatcher claims: pending rows, in order.
    sa.Index(None, "status", "seq"),
    # The per-endpoint, per-subject order of the pending rows (partial: delivered and failed rows
    # leave it, so a claim reads only what is waiting); and an endpoint's log, newest first.
    sa.Index(
        "ix_webhook_deliveries_pending",
        "webhook_id",
        "subject",
        "seq",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
    sa.Index(None, "webhook_id", "seq"),
)
