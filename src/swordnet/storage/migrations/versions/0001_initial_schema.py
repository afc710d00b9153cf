"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:01:43.472080
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import swordnet.storage.models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# The audit trail is append-only: the database itself refuses to change or remove a row.
_SQLITE_AUDIT_TRIGGERS = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]
_POSTGRES_AUDIT_TRIGGERS = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]


def _create_audit_triggers() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": _SQLITE_AUDIT_TRIGGERS, "postgresql": _POSTGRES_AUDIT_TRIGGERS}
    for statement in statements.get(dialect, []):
        op.execute(statement)


def _drop_audit_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "key_areas",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "regions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("name", name=op.f("uq_campaign_name")),
    )
    op.create_table(
        "platform",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("operator", sa.String(length=300), nullable=True),
        sa.Column("icp_filing", sa.String(length=100), nullable=True),
        sa.Column("hosting_provider", sa.String(length=300), nullable=True),
        sa.Column("registrar", sa.String(length=300), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "video",
                "music",
                "literature",
                "news",
                "cloud_storage",
                "ecommerce",
                "app_store",
                "social",
                "forum",
                "photo",
                "other",
                name="platformcategory",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "supervised",
                "shut_down",
                name="platformstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notice_email", sa.String(length=320), nullable=True),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform")),
        sa.UniqueConstraint("domain", name=op.f("uq_platform_domain")),
    )
    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_region"), ["region"], unique=False)

    op.create_table(
        "rights_holder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_holder")),
        sa.UniqueConstraint("name", name=op.f("uq_rights_holder_name")),
    )
    op.create_table(
        "tip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("work_title", sa.String(length=500), nullable=True),
        sa.Column("reporter_contact", sa.String(length=320), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "triaged",
                "actioned",
                "rejected",
                name="tipstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("triage_note", sa.Text(), nullable=True),
        sa.Column(
            "received_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip")),
    )
    op.create_table(
        "whitelist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whitelist_entry")),
    )
    with op.batch_alter_table("whitelist_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_whitelist_entry_domain"), ["domain"], unique=False)

    op.create_table(
        "enforcement_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("operator", sa.String(length=300), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "referred",
                "closed",
                name="casestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("illegal_turnover", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("fine", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("criminal_referral", sa.Boolean(), nullable=False),
        sa.Column("shutdown_requested", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "opened_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "closed_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_enforcement_case_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_enforcement_case_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case")),
    )
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_platform_id"), ["platform_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_case_status"), ["status"], unique=False)

    op.create_table(
        "monitoring_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column(
            "seeds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sitemap_url", sa.Text(), nullable=True),
        sa.Column("query_template", sa.Text(), nullable=True),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("max_pages", sa.Integer(), nullable=False),
        sa.Column("max_bytes", sa.BigInteger(), nullable=False),
        sa.Column("max_depth", sa.Integer(), nullable=False),
        sa.Column("max_seconds", sa.Integer(), nullable=False),
        sa.Column("obey_robots", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "last_run_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "next_run_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_monitoring_target_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_monitoring_target_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_target")),
        sa.UniqueConstraint("name", name=op.f("uq_monitoring_target_name")),
    )
    with op.batch_alter_table("monitoring_target", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_target_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_target_next_run_at"), ["next_run_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_target_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "rendered",
                "sent",
                "complied",
                "partly_complied",
                "ignored",
                name="noticestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("delivery_ref", sa.Text(), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "sent_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "deadline_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "checked_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_notice_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["rights_holder.id"], name=op.f("fk_notice_holder_id_rights_holder")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_notice_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_notice_key")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_deadline_at"), ["deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_platform_id"), ["platform_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_status"), ["status"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "officer",
                "reviewer",
                "partner",
                "rights_holder",
                "platform",
                "viewer",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["rights_holder.id"],
            name=op.f("fk_user_account_holder_id_rights_holder"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_user_account_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "film",
                "episode",
                "short_video",
                "music",
                "book",
                "chapter",
                "news_article",
                "photo",
                "course",
                "game",
                "software",
                name="workkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "aliases",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("key_work", sa.Boolean(), nullable=False),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["rights_holder.id"], name=op.f("fk_work_holder_id_rights_holder")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["work.id"], name=op.f("fk_work_parent_id_work")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work")),
    )
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_title"), ["title"], unique=False)

    op.create_table(
        "crawl_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column(
            "started_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finished_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("detections", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["monitoring_target.id"],
            name=op.f("fk_crawl_run_target_id_monitoring_target"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_run")),
    )
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_run_target_id"), ["target_id"], unique=False)

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("work_id", sa.Integer(), nullable=True),
        sa.Column("item_url", sa.Text(), nullable=True),
        sa.Column("document_ref", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column(
            "inspected_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_inspection_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_inspection_platform_id_platform")
        ),
        sa.ForeignKeyConstraint(["work_id"], ["work.id"], name=op.f("fk_inspection_work_id_work")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "license",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("licensee", sa.String(length=300), nullable=False),
        sa.Column(
            "domains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "accounts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "platform_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "territory",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "rights",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("document_ref", sa.Text(), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["work.id"], name=op.f("fk_license_work_id_work"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license")),
    )
    with op.batch_alter_table("license", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_license_work_id"), ["work_id"], unique=False)

    op.create_table(
        "reference_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column(
            "modality",
            sa.Enum(
                "text",
                "image",
                "audio",
                "video",
                name="modality",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("length", sa.Double(), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["work.id"],
            name=op.f("fk_reference_file_work_id_work"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_file")),
        sa.UniqueConstraint("work_id", "sha256", name=op.f("uq_reference_file_work_id")),
    )
    with op.batch_alter_table("reference_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_file_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_reference_file_work_id"), ["work_id"], unique=False)

    op.create_table(
        "capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "ok",
                "failed",
                "refused",
                name="captureoutcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("warc_file", sa.Text(), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("warc_record_id", sa.String(length=100), nullable=True),
        sa.Column("screenshot_path", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "fetched_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_capture_platform_id_platform")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_run.id"], name=op.f("fk_capture_run_id_crawl_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture")),
    )
    with op.batch_alter_table("capture", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capture_fetched_at"), ["fetched_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_capture_host"), ["host"], unique=False)
        batch_op.create_index(batch_op.f("ix_capture_platform_id"), ["platform_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capture_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capture_sha256"), ["sha256"], unique=False)

    op.create_table(
        "fingerprint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("length", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["reference_file.id"],
            name=op.f("fk_fingerprint_reference_id_reference_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fingerprint")),
        sa.UniqueConstraint("reference_id", "signal", name=op.f("uq_fingerprint_reference_id")),
    )
    with op.batch_alter_table("fingerprint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fingerprint_reference_id"), ["reference_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fingerprint_signal"), ["signal"], unique=False)

    op.create_table(
        "frontier_url",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_sha256", sa.String(length=64), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            swordnet.storage.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["crawl_run.id"],
            name=op.f("fk_frontier_url_run_id_crawl_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frontier_url")),
        sa.UniqueConstraint("run_id", "url_sha256", name=op.f("uq_frontier_url_run_id")),
    )
    with op.batch_alter_table("frontier_url", schema=None) as batch_op:
        batch_op.create_index("ix_frontier_url_run_id_state", ["run_id", "state"], unique=False)

    op.create_table(
        "extracted_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_extracted_item_capture_id_capture")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extracted_item")),
    )
    with op.batch_alter_table("extracted_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_extracted_item_capture_id"), ["capture_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_extracted_item_kind"), ["kind"], unique=False)

    op.create_table(
        "detection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("extracted_item_id", sa.Integer(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column(
            "modality",
            sa.Enum(
                "text",
                "image",
                "audio",
                "video",
                name="modality",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("signal", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "authorised",
                "confirmed",
                "dismissed",
                name="detectionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column(
            "decided_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "detected_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("url_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "last_seen_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("sightings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_detection_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_detection_capture_id_capture")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_detection_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["extracted_item_id"],
            ["extracted_item.id"],
            name=op.f("fk_detection_extracted_item_id_extracted_item"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_detection_platform_id_platform")
        ),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["reference_file.id"],
            name=op.f("fk_detection_reference_id_reference_file"),
        ),
        sa.ForeignKeyConstraint(["work_id"], ["work.id"], name=op.f("fk_detection_work_id_work")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection")),
        sa.UniqueConstraint("url_sha256", "reference_id", name=op.f("uq_detection_url_sha256")),
    )
    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detection_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_detection_capture_id"), ["capture_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_detection_detected_at"), ["detected_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_detection_platform_id"), ["platform_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_detection_reference_id"), ["reference_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_detection_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_detection_work_id"), ["work_id"], unique=False)

    op.create_table(
        "case_detection",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_case_detection_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detection.id"],
            name=op.f("fk_case_detection_detection_id_detection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "detection_id", name=op.f("pk_case_detection")),
    )
    op.create_table(
        "detection_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column(
            "query_start",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "query_end",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "reference_start",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "reference_end",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detection.id"],
            name=op.f("fk_detection_segment_detection_id_detection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection_segment")),
    )
    with op.batch_alter_table("detection_segment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detection_segment_detection_id"), ["detection_id"], unique=False
        )

    op.create_table(
        "notice_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "removed",
                "still_there",
                "changed",
                "counter_noticed",
                "restored",
                name="noticeitemstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "checked_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("check_detail", sa.Text(), nullable=True),
        sa.Column(
            "counter_notice",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"], ["detection.id"], name=op.f("fk_notice_item_detection_id_detection")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notice.id"],
            name=op.f("fk_notice_item_notice_id_notice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_item")),
        sa.UniqueConstraint("notice_id", "detection_id", name=op.f("uq_notice_item_notice_id")),
    )
    with op.batch_alter_table("notice_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_item_detection_id"), ["detection_id"], unique=False
        )

    _create_audit_triggers()


def downgrade() -> None:
    _drop_audit_triggers()
    with op.batch_alter_table("notice_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_item_detection_id"))

    op.drop_table("notice_item")
    with op.batch_alter_table("detection_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detection_segment_detection_id"))

    op.drop_table("detection_segment")
    op.drop_table("case_detection")
    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detection_work_id"))
        batch_op.drop_index(batch_op.f("ix_detection_status"))
        batch_op.drop_index(batch_op.f("ix_detection_reference_id"))
        batch_op.drop_index(batch_op.f("ix_detection_platform_id"))
        batch_op.drop_index(batch_op.f("ix_detection_detected_at"))
        batch_op.drop_index(batch_op.f("ix_detection_capture_id"))
        batch_op.drop_index(batch_op.f("ix_detection_campaign_id"))

    op.drop_table("detection")
    with op.batch_alter_table("extracted_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extracted_item_kind"))
        batch_op.drop_index(batch_op.f("ix_extracted_item_capture_id"))

    op.drop_table("extracted_item")
    with op.batch_alter_table("frontier_url", schema=None) as batch_op:
        batch_op.drop_index("ix_frontier_url_run_id_state")

    op.drop_table("frontier_url")
    with op.batch_alter_table("fingerprint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fingerprint_signal"))
        batch_op.drop_index(batch_op.f("ix_fingerprint_reference_id"))

    op.drop_table("fingerprint")
    with op.batch_alter_table("capture", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capture_sha256"))
        batch_op.drop_index(batch_op.f("ix_capture_run_id"))
        batch_op.drop_index(batch_op.f("ix_capture_platform_id"))
        batch_op.drop_index(batch_op.f("ix_capture_host"))
        batch_op.drop_index(batch_op.f("ix_capture_fetched_at"))

    op.drop_table("capture")
    with op.batch_alter_table("reference_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_file_work_id"))
        batch_op.drop_index(batch_op.f("ix_reference_file_sha256"))

    op.drop_table("reference_file")
    with op.batch_alter_table("license", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_license_work_id"))

    op.drop_table("license")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_platform_id"))

    op.drop_table("inspection")
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_run_target_id"))

    op.drop_table("crawl_run")
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_title"))
        batch_op.drop_index(batch_op.f("ix_work_holder_id"))

    op.drop_table("work")
    op.drop_table("user_account")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_status"))
        batch_op.drop_index(batch_op.f("ix_notice_platform_id"))
        batch_op.drop_index(batch_op.f("ix_notice_deadline_at"))
        batch_op.drop_index(batch_op.f("ix_notice_campaign_id"))

    op.drop_table("notice")
    with op.batch_alter_table("monitoring_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_target_platform_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_target_next_run_at"))
        batch_op.drop_index(batch_op.f("ix_monitoring_target_campaign_id"))

    op.drop_table("monitoring_target")
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_case_status"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_platform_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_campaign_id"))

    op.drop_table("enforcement_case")
    with op.batch_alter_table("whitelist_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whitelist_entry_domain"))

    op.drop_table("whitelist_entry")
    op.drop_table("tip")
    op.drop_table("rights_holder")
    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_region"))

    op.drop_table("platform")
    op.drop_table("campaign")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
