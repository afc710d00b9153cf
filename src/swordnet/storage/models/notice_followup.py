"""What follows a notice: its delivery attempts, counter-notices against its items, and
the shutdown requests drafted when a site ignores notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from swordnet.storage.models.base import Base, utcnow
from swordnet.storage.models.enforcement import Case, Notice, NoticeItem
from swordnet.storage.models.monitoring import Platform


class NoticeDelivery(Base):
    """One attempt to deliver a notice, written (and committed) before the transport is
    called, so that a restart knows a send may have happened.

    ``outcome``: ``attempting`` (in doubt until settled), ``delivered``, ``failed``.
    """

    __tablename__ = "notice_delivery"
    __table_args__ = (UniqueConstraint("notice_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16), default="attempting", index=True)
    reference: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    notice: Mapped[Notice] = relationship()


class CounterNotice(Base):
    """A counter-notice against one notice item; the item is restored at ``restore_at``
    unless the rights holder shows that it went to court (``contested``)."""

    __tablename__ = "counter_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("notice_item.id", ondelete="CASCADE"), index=True
    )
    claimant: Mapped[str] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(Text)
    statement: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    restore_at: Mapped[datetime] = mapped_column(index=True)
    contested: Mapped[bool] = mapped_column(default=False)
    restored_at: Mapped[datetime | None]
    recorded_by: Mapped[str] = mapped_column(String(100))

    item: Mapped[NoticeItem] = relationship()


class ShutdownRequest(Base):
    """A drafted request to the telecom regulator to shut a site down, with the notice
    history attached (``attachments``: one entry per notice)."""

    __tablename__ = "shutdown_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # or sent
    reason: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    platform: Mapped[Platform] = relationship()
