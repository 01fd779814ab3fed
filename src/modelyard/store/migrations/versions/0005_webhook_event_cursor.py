"""webhook event cursor: deliveries are read from the audit log, not written by each change;
the per-subject index holds the pending deliveries only

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.add_column(
            sa.Column("event_cursor", sa.BigInteger(), nullable=False, server_default="0")
        )
    # Until now each change wrote its own deliveries: every event so far has its rows.
    op.execute("UPDATE webhooks SET event_cursor = (SELECT coalesce(max(id), 0) FROM audit_events)")
    op.drop_index(
        op.f("ix_webhook_deliveries_webhook_id_subject_status_seq"), table_name="webhook_deliveries"
    )
    op.create_index(
        "ix_webhook_deliveries_pending",
        "webhook_deliveries",
        ["webhook_id", "subject", "seq"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_pending", table_name="webhook_deliveries")
    op.create_index(
        op.f("ix_webhook_deliveries_webhook_id_subject_status_seq"),
        "webhook_deliveries",
        ["webhook_id", "subject", "status", "seq"],
    )
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("event_cursor")
