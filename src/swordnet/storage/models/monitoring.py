"""Platforms, monitoring targets, the crawl frontier, captures and extracted items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from swordnet.domain.kinds import CaptureOutcome, PlatformCategory, PlatformStatus
from swordnet.storage.models.base import Base, enum_column, utcnow


class Platform(Base):
    """A site, app or service: who runs it, where it is filed, how it is supervised."""

    __tablename__ = "platform"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    operator: Mapped[str | None] = mapped_column(String(300))
    icp_filing: Mapped[str | None] = mapped_column(String(100))  # ICP filing number
    hosting_provider: Mapped[str | None] = mapped_column(String(300))
    registrar: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[PlatformCategory] = mapped_column(
        enum_column(PlatformCategory), default=PlatformCategory.OTHER
    )
    region: Mapped[str | None] = mapped_column(String(100), index=True)  # free text, legacy
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    key_supervision: Mapped[bool] = mapped_column(default=False)
    status: Mapped[PlatformStatus] = mapped_column(
        enum_column(PlatformStatus), default=PlatformStatus.ACTIVE
    )
    notice_email: Mapped[str | None] = mapped_column(String(320))
    notice_emails: Mapped[list[Any]] = mapped_column(default=list)  # beyond notice_email
    webhook_url: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str | None] = mapped_column(String(200))  # signs webhook bodies
    api_access: Mapped[bool] = mapped_column(default=False)  # pulls notices via the API
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringTarget(Base):
    """Seeds, a schedule and a budget: what to crawl, how often, how much."""

    __tablename__ = "monitoring_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    seeds: Mapped[list[Any]] = mapped_column(default=list)
    sitemap_url: Mapped[str | None] = mapped_column(Text)
    query_template: Mapped[str | None] = mapped_column(Text)  # search URL with {query}
    interval_s: Mapped[int] = mapped_column(Integer, default=86400)
    max_pages: Mapped[int] = mapped_column(Integer, default=500)
    max_bytes: Mapped[int] = mapped_column(BigInteger, default=200 * 1024 * 1024)
    max_depth: Mapped[int] = mapped_column(Integer, default=5)
    max_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    obey_robots: Mapped[bool] = mapped_column(default=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    # whose target it is: the region of the officer who added it (visibility)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # who crawls it now ("host:pid:nonce") and until when, unless renewed: one run at a time
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]

    platform: Mapped[Platform | None] = relationship()


class CrawlRun(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_target.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # or finished
    pages: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    detections: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)  # why it stopped: budget, time, done


class FrontierUrl(Base):
    """The persistent crawl frontier: each URL of a run is processed once, resumably.

    ``state`` is ``queued``, ``done``, ``failed``, ``refused`` or ``skipped``; a URL's state
    changes in the same transaction that stores what was captured from it.
    """

    __tablename__ = "frontier_url"
    __table_args__ = (
        UniqueConstraint("run_id", "url_sha256"),
        Index("ix_frontier_url_run_id_state", "run_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_run.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Capture(Base):
    """What was seen at a URL at a moment, with the hash and WARC record that prove it."""

    __tablename__ = "capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255), index=True)
    outcome: Mapped[CaptureOutcome] = mapped_column(enum_column(CaptureOutcome))
    status_code: Mapped[int | None] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(100))
    screenshot_path: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    platform: Mapped[Platform | None] = relationship()
    items: Mapped[list[ExtractedItem]] = relationship(back_populates="capture")


class ExtractedItem(Base):
    """One thing a captured page offers: text, a media file, a share link, a listing..."""

    __tablename__ = "extracted_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    extractor: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    capture: Mapped[Capture] = relationship(back_populates="items")
