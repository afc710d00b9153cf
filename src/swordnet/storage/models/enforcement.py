"""Detections with their segments, notices, cases, tips, inspections and campaigns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from swordnet.domain.kinds import (
    CaseStatus,
    DetectionStatus,
    NoticeItemStatus,
    NoticeStatus,
    TipStatus,
)
from swordnet.storage.models.base import Base, enum_column, utcnow
from swordnet.storage.models.catalogue import ReferenceFile, Work
from swordnet.storage.models.monitoring import Capture, ExtractedItem, Platform


class Campaign(Base):
    """A campaign with dates, key areas (e.g. "news", "film") and regions."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    key_areas: Mapped[list[Any]] = mapped_column(default=list)
    regions: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _work_is_key(context: Any) -> bool:
    """``work.key_work`` of the detection being inserted, whoever inserts it."""
    work_id = context.get_current_parameters()["work_id"]
    return bool(
        context.connection.scalar(
            text("SELECT key_work FROM work WHERE id = :work_id"), {"work_id": work_id}
        )
    )


class Detection(Base):
    """A suspected copy of a work found in an extracted item or a scanned file."""

    __tablename__ = "detection"
    # One detection per (URL, reference): seeing the same copy again on a later crawl adds
    # a sighting, never a second detection. URLs can exceed index key limits: hash them.
    __table_args__ = (UniqueConstraint("url_sha256", "reference_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    reference_id: Mapped[int] = mapped_column(ForeignKey("reference_file.id"), index=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), index=True)
    extracted_item_id: Mapped[int | None] = mapped_column(ForeignKey("extracted_item.id"))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    # the region it belongs to (its platform's, else its target's): who may see it
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64))
    modality: Mapped[str] = mapped_column(String(32))  # as its signal type declares it
    signal: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[DetectionStatus] = mapped_column(
        enum_column(DetectionStatus), default=DetectionStatus.NEW, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    sightings: Mapped[int] = mapped_column(Integer, default=1)
    # the work's flag, copied when the detection is recorded (a work is flagged when it is
    # registered, never later), so that an index serves the review queue's order: key
    # works first, then score (migration 0016)
    key_work: Mapped[bool] = mapped_column(default=_work_is_key, server_default=false())

    work: Mapped[Work] = relationship()
    reference: Mapped[ReferenceFile] = relationship()
    capture: Mapped[Capture | None] = relationship()
    extracted_item: Mapped[ExtractedItem | None] = relationship()
    platform: Mapped[Platform | None] = relationship()
    segments: Mapped[list[DetectionSegment]] = relationship(
        back_populates="detection", cascade="all, delete-orphan", order_by="DetectionSegment.id"
    )


class DetectionSegment(Base):
    """Which part of the reference appears where in the query (chars, seconds or pixels)."""

    __tablename__ = "detection_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    detection_id: Mapped[int] = mapped_column(
        ForeignKey("detection.id", ondelete="CASCADE"), index=True
    )
    unit: Mapped[str] = mapped_column(String(8))
    query_start: Mapped[list[Any]] = mapped_column()  # [x] or [x, y]
    query_end: Mapped[list[Any]] = mapped_column()
    reference_start: Mapped[list[Any]] = mapped_column()
    reference_end: Mapped[list[Any]] = mapped_column()

    detection: Mapped[Detection] = relationship(back_populates="segments")


def new_message_id() -> str:
    return str(uuid.uuid4())


class Notice(Base):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # idempotency key
    # The notice's identity outside this database (e-mail Message-ID, webhook
    # Idempotency-Key): random when drafted, so two databases never share one, and stored,
    # so a resend of this notice carries it again. ``key`` is derived from the recipient
    # and the detection ids, which another database can repeat.
    message_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_message_id)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("rights_holder.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(32))  # notifier name
    jurisdiction: Mapped[str] = mapped_column(String(16))  # "cn-rpnd", "us-dmca"
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[NoticeStatus] = mapped_column(
        enum_column(NoticeStatus), default=NoticeStatus.DRAFT, index=True
    )
    subject: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    delivery_ref: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    checked_at: Mapped[datetime | None]

    platform: Mapped[Platform | None] = relationship()
    items: Mapped[list[NoticeItem]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeItem.id"
    )


# The pages' lists (migrations 0009, 0016): the review queue (new; key works first, then
# best score; keyset on score, sightings and id) nationwide and per region, or by date;
# notices newest first per platform, holder, region; captures by their WARC address (the
# replay's access check).
Index(
    "ix_detection_status_key_work_score_id",
    Detection.status,
    Detection.key_work,
    Detection.score.desc(),
    Detection.sightings.desc(),
    Detection.id.desc(),
)
Index(
    "ix_detection_status_region_code_key_work_score_id",
    Detection.status,
    Detection.region_code,
    Detection.key_work,
    Detection.score.desc(),
    Detection.sightings.desc(),
    Detection.id.desc(),
)
Index(
    "ix_detection_status_detected_at_id",
    Detection.status,
    Detection.detected_at.desc(),
    Detection.id.desc(),
)
Index("ix_capture_warc_file_offset", Capture.warc_file, Capture.warc_offset)
Index("ix_notice_platform_id_id", Notice.platform_id, Notice.id.desc())
Index("ix_notice_holder_id_id", Notice.holder_id, Notice.id.desc())
Index("ix_notice_region_code_id", Notice.region_code, Notice.id.desc())


class NoticeItem(Base):
    __tablename__ = "notice_item"
    __table_args__ = (UniqueConstraint("notice_id", "detection_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    detection_id: Mapped[int] = mapped_column(ForeignKey("detection.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[NoticeItemStatus] = mapped_column(
        enum_column(NoticeItemStatus), default=NoticeItemStatus.PENDING
    )
    checked_at: Mapped[datetime | None]
    check_detail: Mapped[str | None] = mapped_column(Text)
    counter_notice: Mapped[dict[str, Any] | None] = mapped_column()

    notice: Mapped[Notice] = relationship(back_populates="items")
    detection: Mapped[Detection] = relationship()


case_detection = Table(
    "case_detection",
    Base.metadata,
    Column("case_id", ForeignKey("enforcement_case.id", ondelete="CASCADE"), primary_key=True),
    Column("detection_id", ForeignKey("detection.id", ondelete="CASCADE"), primary_key=True),
)


class Case(Base):
    """An enforcement case against one operator: its detections, notices, evidence, penalty."""

    __tablename__ = "enforcement_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    operator: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    # the partner agency (police, telecom, cyberspace regulator) it was referred to
    referred_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(
        enum_column(CaseStatus), default=CaseStatus.OPEN, index=True
    )
    # where the case stands (``domain.cases.CaseState``); ``status`` is its coarse form
    state: Mapped[str] = mapped_column(String(16), default="intake", index=True)
    # the operator it is against (``domain.cases.TargetKind``) and its identifiers
    target_kind: Mapped[str | None] = mapped_column(String(16))
    target_identifiers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # tip, escalation
    illegal_turnover: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    fine: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    criminal_referral: Mapped[bool] = mapped_column(default=False)
    shutdown_requested: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    platform: Mapped[Platform | None] = relationship()
    detections: Mapped[list[Detection]] = relationship(secondary=case_detection)


class Tip(Base):
    """A clue reported by the public, without an account."""

    __tablename__ = "tip"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    work_title: Mapped[str | None] = mapped_column(String(500))
    reporter_contact: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[TipStatus] = mapped_column(enum_column(TipStatus), default=TipStatus.RECEIVED)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    triage_note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Inspection(Base):
    """A random check of the license documents of works on a supervised platform."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    work_id: Mapped[int | None] = mapped_column(ForeignKey("work.id"))
    item_url: Mapped[str | None] = mapped_column(Text)
    document_ref: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32), default="pending")  # valid / removal_ordered
    inspected_at: Mapped[datetime] = mapped_column(default=utcnow)
