"""Who takes part in a campaign: regions as a hierarchy, agencies, the sites and accounts
of platforms, and what signed-in people and systems hold (web sessions, API tokens,
idempotency records of the calls that create things)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from swordnet.domain.kinds import AgencyKind
from swordnet.storage.models.base import Base, enum_column, utcnow


class Region(Base):
    """One administrative division. ``path`` lists the codes from the root down, each
    followed by ``/`` ("CN/440000/440300/"), so "this region and below" is one prefix match
    on an indexed column."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # in the region's own language
    name_en: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer, default=0)  # 0 = the root
    path: Mapped[str] = mapped_column(String(400), unique=True)


class Agency(Base):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()


class PlatformSite(Base):
    """A further domain a platform runs (mirrors, apps' web pages), beyond its main one."""

    __tablename__ = "platform_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    note: Mapped[str | None] = mapped_column(Text)


class PartyAccount(Base):
    """An account on a platform: a rights holder's official one (its uploads are licensed)
    or a known uploader's."""

    __tablename__ = "party_account"
    __table_args__ = (UniqueConstraint("platform_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    account: Mapped[str] = mapped_column(String(300))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("rights_holder.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is kept,
    so a copy of the database signs no one in. Signing out or an expiry ends it."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    second_factor_at: Mapped[datetime | None]  # when the TOTP code was checked
    ended_at: Mapped[datetime | None]


class ApiToken(Base):
    """A scoped token for another system (a platform's, a partner's). Shown once; only
    its SHA-256 is kept. ``prefix`` names it in lists and logs without revealing it."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)  # policy actions, e.g. notices.read
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The answer to a create call made with an ``Idempotency-Key``: a retry with the same
    key and body gets the same answer and creates nothing more."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
