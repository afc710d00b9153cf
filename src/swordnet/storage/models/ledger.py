"""The evidence ledger: an append-only Merkle log (RFC 9162) and its signed checkpoints.

Leaves are never updated or deleted, and a leaf can only be inserted at the end (database
triggers refuse anything else, migration 0011). Interior nodes are derived data, kept so
that a proof reads a few dozen rows instead of every leaf: ``ledger_node`` holds the hash
of every complete subtree of two leaves or more, by level and index. See
docs/evidence-ledger.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from swordnet.storage.models.base import Base


class LedgerLeaf(Base):
    """One evidence record: its canonical bytes and their leaf hash SHA-256(0x00 || data)."""

    __tablename__ = "ledger_leaf"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(100))  # the subject's id ("id" in record)
    at: Mapped[datetime]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


Index("ix_ledger_leaf_kind_ref", LedgerLeaf.kind, LedgerLeaf.ref)


class LedgerNode(Base):
    """The hash of the complete subtree of leaves [idx * 2**level, (idx + 1) * 2**level)."""

    __tablename__ = "ledger_node"
    # on SQLite the rows live in the key's B-tree: one search per node instead of two
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (SQLAlchemy reads it)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerHead(Base):
    """The log's size and root, one row. Appending locks it first (like ``audit_head``),
    so concurrent transactions append one after the other instead of forking the log."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(Base):
    """A signed tree head as a C2SP checkpoint (signed note), and its RFC 3161 token."""

    __tablename__ = "ledger_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    origin: Mapped[str] = mapped_column(String(255))
    key_name: Mapped[str] = mapped_column(String(255))
    key_id: Mapped[str] = mapped_column(String(8))  # hex of the 4-byte key ID
    text: Mapped[str] = mapped_column(Text)  # the whole signed note, as published
    signed_at: Mapped[datetime]
    tsa_url: Mapped[str | None] = mapped_column(Text)
    tsa_token: Mapped[bytes | None] = mapped_column(LargeBinary)  # the TimeStampResp, DER
    tsa_time: Mapped[datetime | None]
