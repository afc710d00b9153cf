"""What the pages and the API show of cases and referrals, as the caller may see them.

Lists are one query scoped by ``services.access.visible``; a case's gathered items are
scoped again by the caller's own read actions (a rights holder sees its works' detections
in a case, not another holder's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from swordnet.domain.cases import CaseState, CaseTransition, Figure, transitions_from
from swordnet.domain.kinds import Role
from swordnet.services.access import NotVisible, Principal, allowed, visible
from swordnet.storage import models


@dataclass(frozen=True, slots=True)
class CaseFilter:
    state: str | None = None
    region_code: str | None = None  # this region and below
    officer_id: int | None = None
    operator: str | None = None  # part of the operator's name or an identifier


@dataclass(frozen=True, slots=True)
class CaseListRow:
    id: int
    title: str
    state: str
    status: str
    source: str
    target_kind: str | None
    operator: str | None
    platform_name: str | None
    region_code: str | None
    officer: str | None
    detections: int
    opened_at: datetime
    closed_at: datetime | None


def cases_query(principal: Principal, filters: CaseFilter) -> Select[Any]:
    held = (
        select(func.count())
        .select_from(models.case_detection)
        .where(models.case_detection.c.case_id == models.Case.id)
        .correlate(models.Case)
        .scalar_subquery()
    )
    stmt = (
        select(models.Case, models.Platform.name, models.User.username, held)
        .outerjoin(models.Platform, models.Platform.id == models.Case.platform_id)
        .outerjoin(models.User, models.User.id == models.Case.officer_id)
    )
    if filters.state:
        stmt = stmt.where(models.Case.state == filters.state)
    if filters.region_code:
        below = select(models.Region.code).where(
            models.Region.path.contains(f"/{filters.region_code}/")
            | models.Region.path.startswith(f"{filters.region_code}/")
        )
        stmt = stmt.where(models.Case.region_code.in_(below))
    if filters.officer_id is not None:
        stmt = stmt.where(models.Case.officer_id == filters.officer_id)
    if filters.operator:
        pattern = f"%{filters.operator.strip().lower()}%"
        stmt = stmt.where(
            func.lower(func.coalesce(models.Case.operator, "")).like(pattern)
            | func.lower(models.Case.title).like(pattern)
            | func.lower(func.coalesce(models.Platform.domain, "")).like(pattern)
        )
    return visible(stmt, principal, "cases.read", "case")


def _row(row: Any) -> CaseListRow:
    case, platform_name, officer, held = row
    return CaseListRow(
        id=case.id,
        title=case.title,
        state=case.state,
        status=case.status.value,
        source=case.source,
        target_kind=case.target_kind,
        operator=case.operator,
        platform_name=platform_name,
        region_code=case.region_code,
        officer=officer,
        detections=int(held or 0),
        opened_at=case.opened_at,
        closed_at=case.closed_at,
    )


def list_cases(
    session: Session,
    principal: Principal,
    filters: CaseFilter,
    *,
    after: int | None = None,
    limit: int = 50,
) -> tuple[list[CaseListRow], int | None]:
    stmt = cases_query(principal, filters)
    if after is not None:
        stmt = stmt.where(models.Case.id < after)
    rows = session.execute(stmt.order_by(models.Case.id.desc()).limit(limit + 1)).all()
    page = [_row(r) for r in rows[:limit]]
    return page, (page[-1].id if len(rows) > limit else None)


def case_row(session: Session, principal: Principal, case_id: int) -> CaseListRow:
    row = session.execute(
        cases_query(principal, CaseFilter()).where(models.Case.id == case_id)
    ).first()
    if row is None:
        raise NotVisible(f"no case {case_id} that you may see")
    return _row(row)


@dataclass
class CaseDetail:
    row: CaseListRow
    case: models.Case
    officer_name: str | None
    detections: list[models.Detection] = field(default_factory=list)
    captures: list[models.Capture] = field(default_factory=list)
    notices: list[models.Notice] = field(default_factory=list)
    tips: list[models.Tip] = field(default_factory=list)
    inspections: list[models.Inspection] = field(default_factory=list)
    events: list[models.CaseEvent] = field(default_factory=list)
    penalties: list[models.CasePenalty] = field(default_factory=list)
    figures: list[models.CaseFigure] = field(default_factory=list)
    referrals: list[tuple[models.Referral, str]] = field(default_factory=list)
    shutdown_requests: list[models.ShutdownRequest] = field(default_factory=list)
    transitions: list[CaseTransition] = field(default_factory=list)
    can_write: bool = False


def _gathered(
    session: Session,
    principal: Principal,
    model: Any,
    table: Any,
    column: str,
    case_id: int,
    access: tuple[str, str] | None,
) -> list[Any]:
    ids = select(table.c[column]).where(table.c.case_id == case_id)
    stmt = select(model).where(model.id.in_(ids)).order_by(model.id)
    if access is not None:
        action, kind = access
        if not allowed(principal, action):
            return []
        stmt = visible(stmt, principal, action, kind)
    return list(session.scalars(stmt))


def case_detail(session: Session, principal: Principal, case_id: int) -> CaseDetail:
    row = case_row(session, principal, case_id)
    case = session.get_one(models.Case, case_id)
    officer = session.get(models.User, case.officer_id) if case.officer_id else None
    detail = CaseDetail(row=row, case=case, officer_name=officer.username if officer else None)
    detail.detections = _gathered(
        session,
        principal,
        models.Detection,
        models.case_detection,
        "detection_id",
        case_id,
        ("detections.read", "detection"),
    )
    detail.captures = _gathered(
        session,
        principal,
        models.Capture,
        models.case_capture,
        "capture_id",
        case_id,
        ("detections.read", "capture"),
    )
    detail.notices = _gathered(
        session,
        principal,
        models.Notice,
        models.case_notice,
        "notice_id",
        case_id,
        ("notices.read", "notice"),
    )
    # tips and inspections carry no scope of their own: shown to the people who work
    # the case (its officers and the agencies it was referred to), not to rights holders
    if principal.role is not Role.RIGHTS_HOLDER:
        detail.tips = _gathered(
            session, principal, models.Tip, models.case_tip, "tip_id", case_id, None
        )
        detail.inspections = _gathered(
            session,
            principal,
            models.Inspection,
            models.case_inspection,
            "inspection_id",
            case_id,
            None,
        )
    detail.events = list(
        session.scalars(
            select(models.CaseEvent)
            .where(models.CaseEvent.case_id == case_id)
            .order_by(models.CaseEvent.id)
        )
    )
    detail.penalties = list(
        session.scalars(
            select(models.CasePenalty)
            .where(models.CasePenalty.case_id == case_id)
            .order_by(models.CasePenalty.id)
        )
    )
    detail.figures = list(
        session.scalars(
            select(models.CaseFigure)
            .where(models.CaseFigure.case_id == case_id)
            .order_by(models.CaseFigure.id)
        )
    )
    detail.referrals = [
        (referral, name)
        for referral, name in session.execute(
            select(models.Referral, models.Agency.name)
            .join(models.Agency, models.Agency.id == models.Referral.agency_id)
            .where(models.Referral.case_id == case_id)
            .order_by(models.Referral.id)
        )
    ]
    detail.shutdown_requests = list(
        session.scalars(
            select(models.ShutdownRequest)
            .where(models.ShutdownRequest.case_id == case_id)
            .order_by(models.ShutdownRequest.id)
        )
    )
    detail.can_write = allowed(principal, "cases.write")
    if detail.can_write:
        detail.transitions = transitions_from(CaseState(case.state))
    return detail


def current_figures(session: Session, case_id: int) -> list[Figure]:
    """The figures in force: the latest of each name (for the threshold evaluation)."""
    latest: dict[str, Figure] = {}
    for row in session.scalars(
        select(models.CaseFigure)
        .where(models.CaseFigure.case_id == case_id)
        .order_by(models.CaseFigure.id)
    ):
        latest[row.name] = Figure(row.name, Decimal(row.value), row.unit, row.currency, row.source)
    return list(latest.values())


# --- referrals ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferralRow:
    referral: models.Referral
    case_title: str
    agency_name: str


def referrals_query(principal: Principal, status: str | None = None) -> Select[Any]:
    stmt = (
        select(models.Referral, models.Case.title, models.Agency.name)
        .join(models.Case, models.Case.id == models.Referral.case_id)
        .join(models.Agency, models.Agency.id == models.Referral.agency_id)
    )
    if status:
        stmt = stmt.where(models.Referral.status == status)
    return visible(cast("Select[Any]", stmt), principal, "referrals.read", "referral")


def list_referrals(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> tuple[list[ReferralRow], int | None]:
    stmt = referrals_query(principal, status)
    if after is not None:
        stmt = stmt.where(models.Referral.id < after)
    rows = session.execute(stmt.order_by(models.Referral.id.desc()).limit(limit + 1)).all()
    page = [ReferralRow(r, title, name) for r, title, name in rows[:limit]]
    return page, (page[-1].referral.id if len(rows) > limit else None)


def referral_row(session: Session, principal: Principal, referral_id: int) -> ReferralRow:
    found = session.execute(
        referrals_query(principal).where(models.Referral.id == referral_id)
    ).first()
    if found is None:
        raise NotVisible(f"no referral {referral_id} that you may see")
    referral, title, name = found
    return ReferralRow(referral, title, name)


def officer_choices(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """The officers the caller may assign a case to."""
    if not allowed(principal, "users.read"):
        return []
    stmt = visible(
        select(models.User).where(
            models.User.active.is_(True), models.User.role.in_([Role.OFFICER, Role.ADMIN])
        ),
        principal,
        "users.read",
        "user",
    ).order_by(models.User.username)
    return [(u.id, u.username) for u in session.scalars(stmt)]
