"""evidence ledger: an append-only Merkle log, its interior nodes, head and checkpoints

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 10:00:00

Leaves are RFC 9162 leaves of canonical JSON evidence records (see
docs/evidence-ledger.md). Like the audit trail, the database refuses what the log
forbids: no UPDATE, DELETE or TRUNCATE of leaves, nodes or checkpoints, a leaf only at
the next index, a node only once. Appends lock the one ``ledger_head`` row at commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_APPEND_ONLY = ("ledger_leaf", "ledger_node", "ledger_checkpoint")

_SQLITE = [
    *(
        f"""CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
        for table in _APPEND_ONLY
        for verb in ("update", "delete")
    ),
    """CREATE TRIGGER ledger_leaf_append_at_end BEFORE INSERT ON ledger_leaf
    WHEN NEW.idx IS NOT (SELECT coalesce(max(idx), -1) + 1 FROM ledger_leaf)
    BEGIN SELECT RAISE(ABORT, 'ledger_leaf: a leaf can only be appended at the end'); END""",
    """CREATE TRIGGER ledger_node_once BEFORE INSERT ON ledger_node
    WHEN EXISTS (SELECT 1 FROM ledger_node WHERE level = NEW.level AND idx = NEW.idx)
    BEGIN SELECT RAISE(ABORT, 'ledger_node: a node is written once'); END""",
]
_POSTGRES = [
    """CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql""",
    *(
        statement
        for table in _APPEND_ONLY
        for statement in (
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION ledger_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()""",
        )
    ),
    """CREATE FUNCTION ledger_leaf_append_at_end() RETURNS trigger AS $$
    DECLARE last_idx bigint;
    BEGIN
        SELECT max(idx) INTO last_idx FROM ledger_leaf;
        IF NEW.idx IS DISTINCT FROM coalesce(last_idx, -1) + 1 THEN
            RAISE EXCEPTION 'ledger_leaf: a leaf can only be appended at the end';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ledger_leaf_append_at_end BEFORE INSERT ON ledger_leaf
    FOR EACH ROW EXECUTE FUNCTION ledger_leaf_append_at_end()""",
]


def _dialect() -> str:
    return str(op.get_bind().dialect.name)


def upgrade() -> None:
    op.create_table(
        "ledger_leaf",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_ledger_leaf")),
    )
    op.create_index("ix_ledger_leaf_kind_ref", "ledger_leaf", ["kind", "ref"])
    op.create_table(
        "ledger_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_node")),
        sqlite_with_rowid=False,  # one B-tree search per node read
    )
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "size": 0,
                "root_hash": bytes.fromhex(
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                ),
            }
        ],
    )
    op.create_table(
        "ledger_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("origin", sa.String(length=255), nullable=False),
        sa.Column("key_name", sa.String(length=255), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tsa_url", sa.Text(), nullable=True),
        sa.Column("tsa_token", sa.LargeBinary(), nullable=True),
        sa.Column("tsa_time", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoint")),
    )
    op.create_index(op.f("ix_ledger_checkpoint_size"), "ledger_checkpoint", ["size"], unique=False)
    statements = {"sqlite": _SQLITE, "postgresql": _POSTGRES}
    for statement in statements.get(_dialect(), []):
        op.execute(statement)


def downgrade() -> None:
    # dropping a table drops its triggers; the PostgreSQL functions go after them
    op.drop_index(op.f("ix_ledger_checkpoint_size"), table_name="ledger_checkpoint")
    op.drop_table("ledger_checkpoint")
    op.drop_table("ledger_head")
    op.drop_table("ledger_node")
    op.drop_index("ix_ledger_leaf_kind_ref", table_name="ledger_leaf")
    op.drop_table("ledger_leaf")
    if _dialect() == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_leaf_append_at_end()")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
