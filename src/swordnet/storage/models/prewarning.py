"""Pre-warning lists: key works announced to platforms before copies appear, and who
acknowledged them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from swordnet.storage.models.base import Base, utcnow
from swordnet.storage.models.catalogue import Work
from swordnet.storage.models.monitoring import Platform


class PrewarningList(Base):
    """Key works protected during a window: platforms are warned before copies appear."""

    __tablename__ = "prewarning_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    feed_path: Mapped[str | None] = mapped_column(Text)
    feed_sha256: Mapped[str | None] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[PrewarningEntry]] = relationship(
        back_populates="prewarning_list", cascade="all, delete-orphan"
    )
    recipients: Mapped[list[PrewarningRecipient]] = relationship(
        back_populates="prewarning_list", cascade="all, delete-orphan"
    )


class PrewarningEntry(Base):
    __tablename__ = "prewarning_entry"
    __table_args__ = (UniqueConstraint("list_id", "work_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("prewarning_list.id", ondelete="CASCADE"))
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)

    prewarning_list: Mapped[PrewarningList] = relationship(back_populates="entries")
    work: Mapped[Work] = relationship()


class PrewarningRecipient(Base):
    """A platform a list was sent to, and its acknowledgement."""

    __tablename__ = "prewarning_recipient"
    __table_args__ = (UniqueConstraint("list_id", "platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("prewarning_list.id", ondelete="CASCADE"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    sent_at: Mapped[datetime | None]
    delivery_ref: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)

    prewarning_list: Mapped[PrewarningList] = relationship(back_populates="recipients")
    platform: Mapped[Platform] = relationship()
