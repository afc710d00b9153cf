"""Rights holders, works, reference files and their fingerprints, licenses, white lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from swordnet.domain.kinds import HolderKind, WorkKind
from swordnet.storage.models.base import Base, enum_column, utcnow


class RightsHolder(Base):
    __tablename__ = "rights_holder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[HolderKind] = mapped_column(
        enum_column(HolderKind), default=HolderKind.RIGHTS_HOLDER
    )
    contact_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    website: Mapped[str | None] = mapped_column(Text)
    # who may act for it: [{"name", "email", "phone", "mandate", "valid_until"}]
    agents: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    works: Mapped[list[Work]] = relationship(back_populates="holder")


class Work(Base):
    __tablename__ = "work"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500), index=True)
    kind: Mapped[WorkKind] = mapped_column(enum_column(WorkKind))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("rights_holder.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("work.id"))  # episode -> series
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    key_work: Mapped[bool] = mapped_column(Boolean, default=False)  # on a pre-warning list
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    holder: Mapped[RightsHolder | None] = relationship(back_populates="works")
    references: Mapped[list[ReferenceFile]] = relationship(
        back_populates="work", cascade="all, delete-orphan"
    )
    licenses: Mapped[list[License]] = relationship(
        back_populates="work", cascade="all, delete-orphan"
    )


class ReferenceFile(Base):
    __tablename__ = "reference_file"
    __table_args__ = (UniqueConstraint("work_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    # a plain string with no CHECK: a signal type declares its modality (migration 0006)
    modality: Mapped[str] = mapped_column(String(32))
    media_type: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[float | None]  # chars or seconds
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    work: Mapped[Work] = relationship(back_populates="references")
    fingerprints: Mapped[list[Fingerprint]] = relationship(
        back_populates="reference", cascade="all, delete-orphan"
    )


class Fingerprint(Base):
    """A reference file's fingerprint under one signal type; indexes are rebuilt from these."""

    __tablename__ = "fingerprint"
    __table_args__ = (UniqueConstraint("reference_id", "signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("reference_file.id", ondelete="CASCADE"), index=True
    )
    signal: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    length: Mapped[float]
    unit: Mapped[str] = mapped_column(String(8))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reference: Mapped[ReferenceFile] = relationship(back_populates="fingerprints")


class License(Base):
    """Who may use a work, where, how and until when."""

    __tablename__ = "license"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id", ondelete="CASCADE"), index=True)
    licensee: Mapped[str] = mapped_column(String(300))
    domains: Mapped[list[Any]] = mapped_column(default=list)  # host names, "*.example.com"
    accounts: Mapped[list[Any]] = mapped_column(default=list)  # platform account ids
    platform_ids: Mapped[list[Any]] = mapped_column(default=list)
    territory: Mapped[list[Any]] = mapped_column(default=list)  # ISO 3166 codes; empty = world
    rights: Mapped[list[Any]] = mapped_column(default=list)  # "network_dissemination", ...
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    document_ref: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    work: Mapped[Work] = relationship(back_populates="licenses")


class WhiteListEntry(Base):
    """A licensed reprinter or platform whose uses are authorised (e.g. news reprint list)."""

    __tablename__ = "whitelist_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str | None] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(String(32), default="all")  # or a WorkKind value
    reason: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
