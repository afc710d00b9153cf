"""Users with roles, and the append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from swordnet.domain.kinds import Role
from swordnet.storage.models.base import Base, enum_column, utcnow


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2id, see services.accounts
    role: Mapped[Role] = mapped_column(enum_column(Role))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("rights_holder.id"))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    # what the user's actions reach: this region and below (an officer's, a viewer's)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # base32, RFC 6238
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the last accepted time step: a code works once
    oidc_subject: Mapped[str | None] = mapped_column(String(300), unique=True)  # issuer|sub
    language: Mapped[str | None] = mapped_column(String(8))  # "zh_CN", "en"
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # login throttling: failures since the last success, and no attempt before this time
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class AuditEvent(Base):
    """One action. Rows are never updated or deleted (database triggers refuse it), and
    each carries the hash of its predecessor, so a removed or altered row shows."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # 1, 2, 3...: the chain's order
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))  # username, "system", "public"
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


# a record's history (the detection page's decisions): migration 0009
Index("ix_audit_event_entity_id_seq", AuditEvent.entity, AuditEvent.entity_id, AuditEvent.seq)


class AuditHead(Base):
    """The chain's newest link, one row. Appending locks it first, so that concurrent
    transactions append one after the other instead of forking the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    event_id: Mapped[int | None]
    hash: Mapped[str] = mapped_column(String(64))
