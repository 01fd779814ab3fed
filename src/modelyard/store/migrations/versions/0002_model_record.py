"""the model record: labels, artifact, aliases

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ModelId = sa.String(700).with_variant(sa.String(700, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("base_models") as batch_op:
        batch_op.add_column(
            sa.Column("labels", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("artifact", sa.JSON(), nullable=True))
    with op.batch_alter_table("fine_tuned_models") as batch_op:
        batch_op.add_column(
            sa.Column("labels", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("artifact", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("aliases", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    op.create_table(
        "model_labels",
        sa.Column("model_id", ModelId, nullable=False),
        sa.Column("key", sa.String(length=63), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["fine_tuned_models.id"],
            name=op.f("fk_model_labels_model_id_fine_tuned_models"),
        ),
        sa.PrimaryKeyConstraint("model_id", "key", name=op.f("pk_model_labels")),
    )
    op.create_index(
        op.f("ix_model_labels_workspace_id_key_value_model_id"),
        "model_labels",
        ["workspace_id", "key", "value", "model_id"],
    )
    op.create_table(
        "aliases",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("model_id", ModelId, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["fine_tuned_models.id"],
            name=op.f("fk_aliases_model_id_fine_tuned_models"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_aliases_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", "name", name=op.f("pk_aliases")),
    )


def downgrade() -> None:
    op.drop_table("aliases")
    op.drop_index(
        op.f("ix_model_labels_workspace_id_key_value_model_id"), table_name="model_labels"
    )
    op.drop_table("model_labels")
    with op.batch_alter_table("fine_tuned_models") as batch_op:
        batch_op.drop_column("aliases")
        batch_op.drop_column("artifact")
        batch_op.drop_column("labels")
    with op.batch_alter_table("base_models") as batch_op:
        batch_op.drop_column("artifact")
        batch_op.drop_column("labels")
