"""parties, agencies, regions, sessions, tokens

Regions as a hierarchy (seeded with China's provincial-level divisions, GB/T 2260 codes,
under a root "CN"; more levels are imported with ``swordnet regions import``), agencies,
who users belong to, what platforms and rights holders are (notice channels, agents,
sites, accounts), the region each target, detection, notice and case belongs to, web
sessions, API tokens and idempotency records; platform categories gain education and games.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 01:23:52.328678
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import swordnet.storage.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


_CATEGORIES_0001 = (
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
)
_CATEGORIES_0008 = (*_CATEGORIES_0001, "education", "games")

# GB/T 2260 provincial-level divisions: code, name, English name
_PROVINCES = (
    ("110000", "北京市", "Beijing"),
    ("120000", "天津市", "Tianjin"),
    ("130000", "河北省", "Hebei"),
    ("140000", "山西省", "Shanxi"),
    ("150000", "内蒙古自治区", "Inner Mongolia"),
    ("210000", "辽宁省", "Liaoning"),
    ("220000", "吉林省", "Jilin"),
    ("230000", "黑龙江省", "Heilongjiang"),
    ("310000", "上海市", "Shanghai"),
    ("320000", "江苏省", "Jiangsu"),
    ("330000", "浙江省", "Zhejiang"),
    ("340000", "安徽省", "Anhui"),
    ("350000", "福建省", "Fujian"),
    ("360000", "江西省", "Jiangxi"),
    ("370000", "山东省", "Shandong"),
    ("410000", "河南省", "Henan"),
    ("420000", "湖北省", "Hubei"),
    ("430000", "湖南省", "Hunan"),
    ("440000", "广东省", "Guangdong"),
    ("450000", "广西壮族自治区", "Guangxi"),
    ("460000", "海南省", "Hainan"),
    ("500000", "重庆市", "Chongqing"),
    ("510000", "四川省", "Sichuan"),
    ("520000", "贵州省", "Guizhou"),
    ("530000", "云南省", "Yunnan"),
    ("540000", "西藏自治区", "Tibet"),
    ("610000", "陕西省", "Shaanxi"),
    ("620000", "甘肃省", "Gansu"),
    ("630000", "青海省", "Qinghai"),
    ("640000", "宁夏回族自治区", "Ningxia"),
    ("650000", "新疆维吾尔自治区", "Xinjiang"),
    ("710000", "台湾省", "Taiwan"),
    ("810000", "香港特别行政区", "Hong Kong"),
    ("820000", "澳门特别行政区", "Macao"),
)


def _category(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="platformcategory", native_enum=False, create_constraint=True, length=32
    )


def _seed_regions() -> None:
    region = sa.table(
        "region",
        sa.column("code", sa.String),
        sa.column("parent_code", sa.String),
        sa.column("name", sa.String),
        sa.column("name_en", sa.String),
        sa.column("level", sa.Integer),
        sa.column("path", sa.String),
    )
    rows = [
        {
            "code": "CN",
            "parent_code": None,
            "name": "中华人民共和国",
            "name_en": "China",
            "level": 0,
            "path": "CN/",
        }
    ]
    rows += [
        {
            "code": code,
            "parent_code": "CN",
            "name": name,
            "name_en": name_en,
            "level": 1,
            "path": f"CN/{code}/",
        }
        for code, name, name_en in _PROVINCES
    ]
    op.bulk_insert(region, rows)


def upgrade() -> None:
    op.create_table(
        "region",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["region.code"], name=op.f("fk_region_parent_code_region")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_region")),
        sa.UniqueConstraint("path", name=op.f("uq_region_path")),
    )
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "copyright",
                "cyberspace",
                "telecom",
                "police",
                "other",
                name="agencykind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_agency_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
        sa.UniqueConstraint("name", name=op.f("uq_agency_name")),
    )
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_region_code"), ["region_code"], unique=False)

    op.create_table(
        "party_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=300), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["rights_holder.id"],
            name=op.f("fk_party_account_holder_id_rights_holder"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_party_account_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_account")),
        sa.UniqueConstraint("platform_id", "account", name=op.f("uq_party_account_platform_id")),
    )
    with op.batch_alter_table("party_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_account_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_party_account_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "platform_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_platform_site_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_site")),
        sa.UniqueConstraint("domain", name=op.f("uq_platform_site_domain")),
    )
    with op.batch_alter_table("platform_site", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_site_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_used_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_api_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_token_prefix")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_token_token_sha256")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotency_record_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_record_user_id")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_record_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "second_factor_at",
            swordnet.storage.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "ended_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_web_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_web_session_token_sha256")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_detection_region_code"), ["region_code"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_detection_region_code_region"), "region", ["region_code"], ["code"]
        )

    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("referred_agency_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_referred_agency_id"),
            ["referred_agency_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_region_code"), ["region_code"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_enforcement_case_referred_agency_id_agency"),
            "agency",
            ["referred_agency_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_enforcement_case_region_code_region"),
            "region",
            ["region_code"],
            ["code"],
        )

    with op.batch_alter_table("monitoring_target", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_monitoring_target_region_code"), ["region_code"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_monitoring_target_region_code_region"),
            "region",
            ["region_code"],
            ["code"],
        )

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_notice_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_region_code"), ["region_code"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notice_region_code_region"), "region", ["region_code"], ["code"]
        )

    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("key_supervision", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "notice_emails",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("api_access", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_platform_region_code"), ["region_code"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_platform_region_code_region"), "region", ["region_code"], ["code"]
        )

    with op.batch_alter_table("rights_holder", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "rights_holder",
                    "cmo",
                    name="holderkind",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
                server_default="rights_holder",
            )
        )
        batch_op.add_column(sa.Column("region_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("website", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "agents",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_rights_holder_region_code_region"), "region", ["region_code"], ["code"]
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("region_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "totp_enabled_at",
                swordnet.storage.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_account_agency_id"), ["agency_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_oidc_subject"), ["oidc_subject"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_region_code_region"), "region", ["region_code"], ["code"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_agency_id_agency"), "agency", ["agency_id"], ["id"]
        )

    _seed_regions()
    with op.batch_alter_table("platform") as batch_op:
        batch_op.alter_column(
            "category",
            existing_type=_category(_CATEGORIES_0001),
            type_=_category(_CATEGORIES_0008),
            existing_nullable=False,
        )


def downgrade() -> None:
    # fails, as it should, while a platform is in one of the two new categories
    with op.batch_alter_table("platform") as batch_op:
        batch_op.alter_column(
            "category",
            existing_type=_category(_CATEGORIES_0008),
            type_=_category(_CATEGORIES_0001),
            existing_nullable=False,
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_user_account_agency_id_agency"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_region_code_region"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_user_account_oidc_subject"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_user_account_agency_id"))
        batch_op.drop_column("language")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("region_code")
        batch_op.drop_column("agency_id")

    with op.batch_alter_table("rights_holder", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_rights_holder_holderkind"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_rights_holder_region_code_region"), type_="foreignkey"
        )
        batch_op.drop_column("agents")
        batch_op.drop_column("website")
        batch_op.drop_column("region_code")
        batch_op.drop_column("kind")

    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_platform_region_code_region"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_platform_region_code"))
        batch_op.drop_column("api_access")
        batch_op.drop_column("webhook_secret")
        batch_op.drop_column("notice_emails")
        batch_op.drop_column("key_supervision")
        batch_op.drop_column("region_code")

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notice_region_code_region"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notice_region_code"))
        batch_op.drop_index(batch_op.f("ix_notice_holder_id"))
        batch_op.drop_column("region_code")

    with op.batch_alter_table("monitoring_target", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_monitoring_target_region_code_region"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_monitoring_target_region_code"))
        batch_op.drop_column("created_by")
        batch_op.drop_column("region_code")

    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_enforcement_case_region_code_region"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_enforcement_case_referred_agency_id_agency"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_enforcement_case_region_code"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_referred_agency_id"))
        batch_op.drop_column("referred_agency_id")
        batch_op.drop_column("region_code")

    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_detection_region_code_region"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_detection_region_code"))
        batch_op.drop_column("region_code")

    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_web_session_expires_at"))

    op.drop_table("web_session")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_created_at"))

    op.drop_table("idempotency_record")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("platform_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_site_platform_id"))

    op.drop_table("platform_site")
    with op.batch_alter_table("party_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_account_platform_id"))
        batch_op.drop_index(batch_op.f("ix_party_account_holder_id"))

    op.drop_table("party_account")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_region_code"))

    op.drop_table("agency")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_parent_code"))

    op.drop_table("region")
