"""enforcement: delivery attempts, counter-notices, shutdown requests, pre-warning lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 21:46:58.411386
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import swordnet.storage.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prewarning_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "starts_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "ends_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("feed_path", sa.Text(), nullable=True),
        sa.Column("feed_sha256", sa.String(length=64), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column(
            "published_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prewarning_list")),
    )
    with op.batch_alter_table("prewarning_list", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prewarning_list_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_prewarning_list_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "prewarning_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column(
            "sent_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("delivery_ref", sa.Text(), nullable=True),
        sa.Column(
            "acknowledged_at",
            swordnet.storage.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("acknowledged_by", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["prewarning_list.id"],
            name=op.f("fk_prewarning_recipient_list_id_prewarning_list"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_prewarning_recipient_platform_id_platform"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prewarning_recipient")),
        sa.UniqueConstraint("list_id", "platform_id", name=op.f("uq_prewarning_recipient_list_id")),
    )
    with op.batch_alter_table("prewarning_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prewarning_recipient_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "notice_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "started_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finished_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notice.id"],
            name=op.f("fk_notice_delivery_notice_id_notice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_delivery")),
        sa.UniqueConstraint("notice_id", "attempt", name=op.f("uq_notice_delivery_notice_id")),
    )
    with op.batch_alter_table("notice_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_delivery_outcome"), ["outcome"], unique=False)

    op.create_table(
        "prewarning_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["prewarning_list.id"],
            name=op.f("fk_prewarning_entry_list_id_prewarning_list"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["work.id"], name=op.f("fk_prewarning_entry_work_id_work")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prewarning_entry")),
        sa.UniqueConstraint("list_id", "work_id", name=op.f("uq_prewarning_entry_list_id")),
    )
    with op.batch_alter_table("prewarning_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prewarning_entry_work_id"), ["work_id"], unique=False)

    op.create_table(
        "shutdown_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "attachments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_shutdown_request_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_shutdown_request_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shutdown_request")),
    )
    with op.batch_alter_table("shutdown_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shutdown_request_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shutdown_request_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "counter_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("claimant", sa.String(length=300), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column(
            "received_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "restore_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("contested", sa.Boolean(), nullable=False),
        sa.Column(
            "restored_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["notice_item.id"],
            name=op.f("fk_counter_notice_item_id_notice_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_notice")),
    )
    with op.batch_alter_table("counter_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_counter_notice_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_counter_notice_restore_at"), ["restore_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("counter_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counter_notice_restore_at"))
        batch_op.drop_index(batch_op.f("ix_counter_notice_item_id"))

    op.drop_table("counter_notice")
    with op.batch_alter_table("shutdown_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shutdown_request_platform_id"))
        batch_op.drop_index(batch_op.f("ix_shutdown_request_case_id"))

    op.drop_table("shutdown_request")
    with op.batch_alter_table("prewarning_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prewarning_entry_work_id"))

    op.drop_table("prewarning_entry")
    with op.batch_alter_table("notice_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_delivery_outcome"))

    op.drop_table("notice_delivery")
    with op.batch_alter_table("prewarning_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prewarning_recipient_platform_id"))

    op.drop_table("prewarning_recipient")
    with op.batch_alter_table("prewarning_list", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prewarning_list_starts_at"))
        batch_op.drop_index(batch_op.f("ix_prewarning_list_ends_at"))

    op.drop_table("prewarning_list")
