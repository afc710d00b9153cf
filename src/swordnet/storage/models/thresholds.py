"""Criminal-threshold rule sets an officer added (the shipped ones are package data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from swordnet.storage.models.base import Base, utcnow


class ThresholdRuleSet(Base):
    """One version of a rule set: the document as validated, never changed afterwards (a
    changed file is stored as the next version)."""

    __tablename__ = "threshold_rule_set"
    __table_args__ = (UniqueConstraint("rule_set_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    jurisdiction: Mapped[str] = mapped_column(String(32))
    offence: Mapped[str] = mapped_column(String(100))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    document: Mapped[dict[str, Any]] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
