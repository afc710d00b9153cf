"""What a case gathers and records beyond its detections: captures, notices, tips and
inspections; its events (every change, in order), penalties, figures, and referrals to
partner agencies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from swordnet.storage.models.base import Base, utcnow
from swordnet.storage.models.enforcement import Case
from swordnet.storage.models.parties import Agency


def _link(name: str, other: str) -> Table:
    return Table(
        f"case_{name}",
        Base.metadata,
        Column("case_id", ForeignKey("enforcement_case.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{name}_id", ForeignKey(f"{other}.id", ondelete="CASCADE"), primary_key=True),
    )


case_capture = _link("capture", "capture")
case_notice = _link("notice", "notice")
case_tip = _link("tip", "tip")
case_inspection = _link("inspection", "inspection")


class CaseEvent(Base):
    """One change to a case, in order: opened, assigned, items added or removed, each
    transition, penalties, figures, referrals and their answers."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CasePenalty(Base):
    """An administrative penalty decided in a case, with its legal basis as entered."""

    __tablename__ = "case_penalty"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # domain.cases.PenaltyKind
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))


class CaseFigure(Base):
    """A figure a decision rests on: name, value, unit, currency (amounts), source."""

    __tablename__ = "case_figure"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(32))  # domain.cases.FigureName
    value: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    unit: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str | None] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))


class Referral(Base):
    """A case referred to a partner agency, and how the agency answered.

    A site shutdown referral carries its shutdown request and, once the outcome is
    recorded, the re-checks of the site: it counts as shut down at ``verified_at`` only."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # domain.cases.ReferralKind
    status: Mapped[str] = mapped_column(String(32), default="sent", index=True)
    message: Mapped[str | None] = mapped_column(Text)  # the officer's cover note
    more_requested: Mapped[str | None] = mapped_column(Text)  # the agency's last request
    outcome: Mapped[str | None] = mapped_column(String(32))  # domain.cases.ReferralOutcome
    outcome_text: Mapped[str | None] = mapped_column(Text)
    shutdown_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("shutdown_request.id"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(32))  # how it was sent: smtp, webhook
    recipient: Mapped[str | None] = mapped_column(String(320))
    delivery_ref: Mapped[str | None] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    more_requested_at: Mapped[datetime | None]
    outcome_at: Mapped[datetime | None]
    # re-checks of a shut-down site: the run of checks that found it gone
    gone_since: Mapped[datetime | None]
    gone_checks: Mapped[int] = mapped_column(Integer, default=0)
    last_checked_at: Mapped[datetime | None]
    last_check_detail: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    agency: Mapped[Agency] = relationship()
