"""cases: states, operators, officers, gathered items, events, penalties, figures, referrals

The case's new columns are added with ``ALTER TABLE ... ADD COLUMN`` on every database,
never by copying the table: on SQLite, copying ``enforcement_case`` would drop the old
table, and with foreign keys on, dropping it deletes the rows that cascade from it
(``case_detection``, ``shutdown_request``). Existing cases take the state their status
implies (open: intake, referred: referral, closed: closed).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-20 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import swordnet.storage.models.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC = swordnet.storage.models.base.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
LINKS = (("capture", "capture"), ("notice", "notice"), ("tip", "tip"), ("inspection", "inspection"))


def _case_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"],
        ["enforcement_case.id"],
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.add_column(
        "enforcement_case",
        sa.Column("state", sa.String(length=16), nullable=False, server_default="intake"),
    )
    op.add_column("enforcement_case", sa.Column("target_kind", sa.String(length=16)))
    op.add_column(
        "enforcement_case",
        sa.Column("target_identifiers", JSON, nullable=False, server_default="{}"),
    )
    fk = "fk_enforcement_case_officer_id_user_account"
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place (alembic would copy the table)
        op.execute(
            "ALTER TABLE enforcement_case ADD COLUMN officer_id INTEGER "
            f"CONSTRAINT {fk} REFERENCES user_account (id)"
        )
    else:
        op.add_column("enforcement_case", sa.Column("officer_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(fk), "enforcement_case", "user_account", ["officer_id"], ["id"])
    op.add_column(
        "enforcement_case",
        sa.Column("source", sa.String(length=16), nullable=False, server_default="manual"),
    )
    op.execute(
        "UPDATE enforcement_case SET state = CASE status WHEN 'referred' THEN 'referral' "
        "WHEN 'closed' THEN 'closed' ELSE 'intake' END"
    )
    op.execute(
        "UPDATE enforcement_case SET source = 'escalation' WHERE shutdown_requested = "
        + ("1" if op.get_bind().dialect.name == "sqlite" else "true")
    )
    # the server defaults only filled the existing rows: the models set the values
    if op.get_bind().dialect.name != "sqlite":
        for column in ("state", "target_identifiers", "source"):
            op.alter_column("enforcement_case", column, server_default=None)
    op.create_index(op.f("ix_enforcement_case_state"), "enforcement_case", ["state"])
    op.create_index(op.f("ix_enforcement_case_officer_id"), "enforcement_case", ["officer_id"])

    for name, other in LINKS:
        op.create_table(
            f"case_{name}",
            sa.Column("case_id", sa.Integer(), nullable=False),
            sa.Column(f"{name}_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["case_id"],
                ["enforcement_case.id"],
                name=op.f(f"fk_case_{name}_case_id_enforcement_case"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                [f"{name}_id"],
                [f"{other}.id"],
                name=op.f(f"fk_case_{name}_{name}_id_{other}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("case_id", f"{name}_id", name=op.f(f"pk_case_{name}")),
        )

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_case_event_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    op.create_index(op.f("ix_case_event_case_id"), "case_event", ["case_id"])

    op.create_table(
        "case_penalty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("decided_at", UTC, nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_case_penalty_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_penalty")),
    )
    op.create_index(op.f("ix_case_penalty_case_id"), "case_penalty", ["case_id"])

    op.create_table(
        "case_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_case_figure_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_figure")),
    )
    op.create_index(op.f("ix_case_figure_case_id"), "case_figure", ["case_id"])

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("more_requested", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_text", sa.Text(), nullable=True),
        sa.Column("shutdown_request_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("delivery_ref", sa.Text(), nullable=True),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.Column("sent_at", UTC, nullable=False),
        sa.Column("accepted_at", UTC, nullable=True),
        sa.Column("more_requested_at", UTC, nullable=True),
        sa.Column("outcome_at", UTC, nullable=True),
        sa.Column("gone_since", UTC, nullable=True),
        sa.Column("gone_checks", sa.Integer(), nullable=False),
        sa.Column("last_checked_at", UTC, nullable=True),
        sa.Column("last_check_detail", sa.Text(), nullable=True),
        sa.Column("verified_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_referral_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_referral_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shutdown_request_id"],
            ["shutdown_request.id"],
            name=op.f("fk_referral_shutdown_request_id_shutdown_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    for column in ("case_id", "agency_id", "status", "shutdown_request_id"):
        op.create_index(op.f(f"ix_referral_{column}"), "referral", [column])


def downgrade() -> None:
    op.drop_table("referral")
    op.drop_table("case_figure")
    op.drop_table("case_penalty")
    op.drop_table("case_event")
    for name, _other in reversed(LINKS):
        op.drop_table(f"case_{name}")
    op.drop_index(op.f("ix_enforcement_case_officer_id"), table_name="enforcement_case")
    op.drop_index(op.f("ix_enforcement_case_state"), table_name="enforcement_case")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place (3.35+), unless a constraint names it: the
        # officer's foreign key does, so that column goes with a copy of the table, after
        # the rows that cascade from cases are set aside (the downgrade keeps them)
        for column in ("source", "target_identifiers", "target_kind", "state"):
            op.execute(f"ALTER TABLE enforcement_case DROP COLUMN {column}")
        _sqlite_drop_officer()
        return
    for column in ("source", "officer_id", "target_identifiers", "target_kind", "state"):
        op.drop_column("enforcement_case", column)


def _sqlite_drop_officer() -> None:
    """Drop ``officer_id`` on SQLite, whose ALTER TABLE cannot drop a column a foreign
    key names, without deleting what cascades from cases."""
    bind = op.get_bind()
    saved = {
        table: bind.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()
        for table in ("case_detection", "shutdown_request")
    }
    with op.batch_alter_table("enforcement_case", recreate="always") as batch:
        batch.drop_column("officer_id")
    for table, rows in saved.items():
        present = bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        if rows and not present:
            columns = list(rows[0].keys())
            bind.execute(
                sa.text(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join(':' + c for c in columns)})"
                ),
                [dict(r) for r in rows],
            )
