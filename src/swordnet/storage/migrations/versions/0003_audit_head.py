"""audit trail: a sequence number per event, the chain's head row, append-only inserts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 23:20:00

Concurrent transactions each read "the last event" and chained to it, forking the chain
on PostgreSQL. Appending now locks one ``audit_head`` row first (see services.audit).
Inserts are checked by the database too: an event must come next in sequence and name
the head's hash, so ``INSERT OR REPLACE`` over an old row (which SQLite runs without
firing delete triggers) is refused.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_HEAD_CHECK_SQLITE = f"""CREATE TRIGGER audit_event_append_at_head BEFORE INSERT ON audit_event
WHEN (NEW.id > 0 AND NEW.id <= (SELECT coalesce(max(id), 0) FROM audit_event))
  OR NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_event)
  OR NEW.prev_hash IS NOT coalesce(
       (SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), '{GENESIS}')
BEGIN SELECT RAISE(ABORT, 'audit_event: an event can only be appended at the head'); END"""
_HEAD_CHECK_POSTGRES = [
    f"""CREATE FUNCTION audit_event_append_at_head() RETURNS trigger AS $$
    DECLARE last_seq bigint; last_hash text;
    BEGIN
        SELECT seq, hash INTO last_seq, last_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
        IF NEW.seq IS DISTINCT FROM coalesce(last_seq, 0) + 1
           OR NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, '{GENESIS}') THEN
            RAISE EXCEPTION 'audit_event: an event can only be appended at the head';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_append_at_head BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_at_head()""",
]
_SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]


def _dialect() -> str:
    return str(op.get_bind().dialect.name)


def _drop_append_only() -> None:
    if _dialect() == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")


def _restore_append_only() -> None:
    if _dialect() == "sqlite":
        for statement in _SQLITE_APPEND_ONLY:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")


def upgrade() -> None:
    _drop_append_only()  # the backfill below writes seq into existing rows
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM audit_event ORDER BY id"))]
    for number, event_id in enumerate(ids, start=1):
        bind.execute(
            sa.text("UPDATE audit_event SET seq = :seq WHERE id = :id"),
            {"seq": number, "id": event_id},
        )
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_seq"), ["seq"])
    _restore_append_only()  # batch mode rebuilt the SQLite table without its triggers

    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    last = bind.execute(
        sa.text("SELECT seq, id, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
    ).first()
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "seq": last[0] if last else 0,
                "event_id": last[1] if last else None,
                "hash": last[2] if last else GENESIS,
            }
        ],
    )
    if _dialect() == "sqlite":
        op.execute(_HEAD_CHECK_SQLITE)
    elif _dialect() == "postgresql":
        for statement in _HEAD_CHECK_POSTGRES:
            op.execute(statement)


def downgrade() -> None:
    if _dialect() == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_at_head")
    elif _dialect() == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_at_head ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_at_head()")
    op.drop_table("audit_head")
    _drop_append_only()
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_seq"), type_="unique")
        batch_op.drop_column("seq")
    _restore_append_only()
