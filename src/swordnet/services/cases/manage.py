"""The officer's use cases on a case: open it (by hand, from a tip), assign it, gather and
drop items, move it through its states, record penalties and figures.

Each takes the caller's ``Principal``, reaches only the rows the policy lets it reach
(``services.access``), works in the caller's transaction and writes every change through
``events.case_event``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from swordnet.domain.cases import (
    MONETARY_PENALTIES,
    CaseState,
    CaseTransition,
    FigureName,
    PenaltyKind,
    TargetKind,
    clean_identifiers,
    make_figure,
    next_state,
    parse_amount,
    status_of,
)
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import Role, TipStatus
from swordnet.services.access import NotVisible, Principal, one_visible
from swordnet.services.cases.events import case_event
from swordnet.storage import models


@dataclass(frozen=True, slots=True)
class ItemKind:
    table: Table
    column: str
    model: Any
    # the access kind and action that must reach the item; None: any case writer may add
    # it (tips and inspections carry no region yet)
    access: tuple[str, str] | None


ITEM_KINDS: Mapping[str, ItemKind] = {
    "detection": ItemKind(
        models.case_detection, "detection_id", models.Detection, ("detections.read", "detection")
    ),
    "capture": ItemKind(
        models.case_capture, "capture_id", models.Capture, ("detections.read", "capture")
    ),
    "notice": ItemKind(models.case_notice, "notice_id", models.Notice, ("notices.read", "notice")),
    "tip": ItemKind(models.case_tip, "tip_id", models.Tip, None),
    "inspection": ItemKind(models.case_inspection, "inspection_id", models.Inspection, None),
}


def open_for_write(session: Session, principal: Principal, case_id: int) -> models.Case:
    case: models.Case = one_visible(session, principal, "cases.write", "case", case_id)
    return case


def _region_in_scope(session: Session, principal: Principal, code: str) -> None:
    region = session.get(models.Region, code)
    if region is None:
        raise SwordNetError(f"no region {code!r}")
    if principal.role is Role.ADMIN or principal.nationwide:
        return
    if principal.region_path is None or not region.path.startswith(principal.region_path):
        raise SwordNetError(f"region {code} is outside your region: open the case in yours")


def _officer(session: Session, principal: Principal, user_id: int) -> models.User:
    try:
        user: models.User = one_visible(session, principal, "users.read", "user", user_id)
    except NotVisible:
        raise SwordNetError(f"no officer {user_id} that you may assign") from None
    if not user.active or user.role not in (Role.OFFICER, Role.ADMIN):
        raise SwordNetError(f"{user.username} is not an active officer")
    return user


def open_case(
    session: Session,
    principal: Principal,
    *,
    title: str,
    target_kind: TargetKind,
    identifiers: Mapping[str, Any],
    operator: str | None = None,
    region_code: str | None = None,
    platform_id: int | None = None,
    officer_id: int | None = None,
    tip_id: int | None = None,
    notes: str | None = None,
    items: Mapping[str, Iterable[int]] | None = None,
    now: datetime | None = None,
) -> models.Case:
    """Open a case by hand (or from a tip: ``tip_id``), in the caller's region."""
    title = title.strip()
    if not title:
        raise SwordNetError("give the case a title")
    clean = clean_identifiers(target_kind, identifiers)
    region = region_code or principal.region_code
    if region is None:
        raise SwordNetError("say which region the case belongs to")
    _region_in_scope(session, principal, region)
    if platform_id is not None and session.get(models.Platform, platform_id) is None:
        raise SwordNetError(f"no platform {platform_id}")
    if officer_id is None and principal.role is Role.OFFICER:
        officer_id = principal.user_id
    if officer_id is not None:
        _officer(session, principal, officer_id)
    at = now or models.utcnow()
    case = models.Case(
        title=title,
        platform_id=platform_id,
        operator=operator or clean.get("name") or clean.get("domain"),
        region_code=region,
        target_kind=target_kind.value,
        target_identifiers=clean,
        officer_id=officer_id,
        state=CaseState.INTAKE.value,
        status=status_of(CaseState.INTAKE),
        source="tip" if tip_id is not None else "manual",
        notes=notes,
        opened_at=at,
    )
    session.add(case)
    session.flush()
    case_event(
        session,
        case,
        "opened",
        {
            "source": case.source,
            "title": title,
            "target_kind": target_kind.value,
            "identifiers": clean,
            "region_code": region,
            "officer_id": officer_id,
            "tip_id": tip_id,
        },
        principal.username,
        at=at,
    )
    if tip_id is not None:
        add_items(session, principal, case.id, "tip", [tip_id], now=at)
        tip = session.get(models.Tip, tip_id)
        if tip is not None:
            tip.status = TipStatus.ACTIONED
    for kind, ids in (items or {}).items():
        if ids:
            add_items(session, principal, case.id, kind, list(ids), now=at)
    return case


def assign(
    session: Session, principal: Principal, case_id: int, officer_id: int, *, now: datetime
) -> models.Case:
    case = open_for_write(session, principal, case_id)
    officer = _officer(session, principal, officer_id)
    before = case.officer_id
    case.officer_id = officer.id
    case_event(
        session,
        case,
        "assigned",
        {"officer_id": officer.id, "officer": officer.username, "previous_officer_id": before},
        principal.username,
        at=now,
    )
    return case


def _kind(kind: str) -> ItemKind:
    try:
        return ITEM_KINDS[kind]
    except KeyError:
        raise SwordNetError(f"a case gathers {', '.join(ITEM_KINDS)}s, not {kind!r}") from None


def _linked(session: Session, spec: ItemKind, case_id: int) -> set[int]:
    column = spec.table.c[spec.column]
    return set(session.scalars(select(column).where(spec.table.c.case_id == case_id)))


def add_items(
    session: Session,
    principal: Principal,
    case_id: int,
    kind: str,
    ids: Iterable[int],
    *,
    now: datetime,
) -> list[int]:
    """Gather items into a case; returns the ids newly added (those already in it are
    left as they are). Each item must be one the caller may see."""
    spec = _kind(kind)
    case = open_for_write(session, principal, case_id)
    if case.state == CaseState.CLOSED.value:
        raise SwordNetError(f"case {case_id} is closed: reopen it first")
    wanted = list(dict.fromkeys(int(i) for i in ids))
    for item_id in wanted:
        if spec.access is not None:
            action, access_kind = spec.access
            one_visible(session, principal, action, access_kind, item_id)
        elif session.get(spec.model, item_id) is None:
            raise NotVisible(f"no {kind} {item_id} that you may see")
    new = [i for i in wanted if i not in _linked(session, spec, case.id)]
    if new:
        session.execute(
            insert(spec.table), [{"case_id": case.id, spec.column: item_id} for item_id in new]
        )
        data = {"kind": kind, "ids": new}
        case_event(session, case, "items_added", data, principal.username, at=now)
    return new


def remove_items(
    session: Session,
    principal: Principal,
    case_id: int,
    kind: str,
    ids: Iterable[int],
    *,
    now: datetime,
    reason: str | None = None,
) -> list[int]:
    spec = _kind(kind)
    case = open_for_write(session, principal, case_id)
    if case.state == CaseState.CLOSED.value:
        raise SwordNetError(f"case {case_id} is closed: reopen it first")
    present = _linked(session, spec, case.id)
    gone = [int(i) for i in dict.fromkeys(ids) if int(i) in present]
    if gone:
        column = spec.table.c[spec.column]
        session.execute(delete(spec.table).where(spec.table.c.case_id == case.id, column.in_(gone)))
        session.expire(case, ["detections"])
        case_event(
            session,
            case,
            "items_removed",
            {"kind": kind, "ids": gone, "reason": reason},
            principal.username,
            at=now,
        )
    return gone


def apply_transition(
    session: Session,
    case: models.Case,
    transition: CaseTransition,
    actor: str,
    *,
    now: datetime,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> models.Case:
    """Move ``case`` by ``transition`` (refused when not allowed from its state)."""
    before = CaseState(case.state)
    after = next_state(before, transition)
    case.state = after.value
    case.status = status_of(after)
    if after is CaseState.CLOSED:
        case.closed_at = now
    elif before is CaseState.CLOSED:
        case.closed_at = None
    case_event(
        session,
        case,
        "transition",
        {
            "transition": transition.value,
            "from": before.value,
            "to": after.value,
            "note": note,
            **(data or {}),
        },
        actor,
        at=now,
    )
    return case


def transition(
    session: Session,
    principal: Principal,
    case_id: int,
    name: str,
    *,
    now: datetime,
    note: str | None = None,
) -> models.Case:
    """A transition a person asks for by name (``refer`` happens by sending a referral)."""
    try:
        step = CaseTransition(name)
    except ValueError:
        raise SwordNetError(f"no transition {name!r}") from None
    if step is CaseTransition.REFER:
        raise SwordNetError("a case is referred by sending a referral to an agency")
    case = open_for_write(session, principal, case_id)
    if step is CaseTransition.DISMISS and not (note and note.strip()):
        raise SwordNetError("say why the case is dismissed")
    return apply_transition(session, case, step, principal.username, now=now, note=note)


def record_penalty(
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    kind: PenaltyKind,
    legal_basis: str,
    amount: str | Decimal | None = None,
    currency: str | None = None,
    description: str | None = None,
    now: datetime,
) -> models.CasePenalty:
    """An administrative penalty with its legal basis; a fine or confiscated gains carry
    an amount and a currency."""
    case = open_for_write(session, principal, case_id)
    if case.state not in (CaseState.INVESTIGATION.value, CaseState.DECISION.value):
        raise SwordNetError(
            f"penalties are decided during investigation or decision, not in {case.state}"
        )
    if not legal_basis.strip():
        raise SwordNetError("give the legal basis of the penalty (e.g. Copyright Law art. 53)")
    value: Decimal | None = None
    code: str | None = None
    if kind in MONETARY_PENALTIES:
        if amount is None or str(amount).strip() == "":
            raise SwordNetError(f"a {kind.value} penalty needs its amount")
        value = parse_amount(amount, what="amount")
        if not currency or len(currency.strip()) != 3:
            raise SwordNetError("give the currency of the amount (e.g. CNY)")
        code = currency.strip().upper()
    elif amount is not None and str(amount).strip():
        raise SwordNetError(f"a {kind.value} carries no amount")
    penalty = models.CasePenalty(
        case_id=case.id,
        kind=kind.value,
        amount=value,
        currency=code,
        description=(description or "").strip() or None,
        legal_basis=legal_basis.strip(),
        decided_at=now,
        recorded_by=principal.username,
    )
    session.add(penalty)
    session.flush()
    if kind is PenaltyKind.FINE and code == case.currency:
        total = session.scalar(
            select(func.sum(models.CasePenalty.amount)).where(
                models.CasePenalty.case_id == case.id,
                models.CasePenalty.kind == PenaltyKind.FINE.value,
                models.CasePenalty.currency == case.currency,
            )
        )
        case.fine = total
    case_event(
        session,
        case,
        "penalty_recorded",
        {
            "penalty_id": penalty.id,
            "kind": kind.value,
            "amount": str(value) if value is not None else None,
            "currency": code,
            "legal_basis": penalty.legal_basis,
            "description": penalty.description,
        },
        principal.username,
        at=now,
    )
    return penalty


def record_figure(
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    name: FigureName,
    value: str | Decimal,
    source: str,
    unit: str | None = None,
    currency: str | None = None,
    now: datetime,
) -> models.CaseFigure:
    """A figure a decision rests on; a later figure of the same name supersedes the
    earlier one (both stay in the timeline)."""
    case = open_for_write(session, principal, case_id)
    if case.state == CaseState.CLOSED.value:
        raise SwordNetError(f"case {case_id} is closed: reopen it first")
    figure = make_figure(
        name,
        parse_amount(value, what=name.value),
        unit=(unit or "").strip() or None,
        currency=currency,
        source=source,
    )
    row = models.CaseFigure(
        case_id=case.id,
        name=figure.name,
        value=figure.value,
        unit=figure.unit[:32],
        currency=figure.currency,
        source=figure.source,
        recorded_at=now,
        recorded_by=principal.username,
    )
    session.add(row)
    session.flush()
    if name is FigureName.ILLEGAL_BUSINESS_VOLUME and figure.currency == case.currency:
        case.illegal_turnover = figure.value
    case_event(
        session,
        case,
        "figure_recorded",
        {
            "figure_id": row.id,
            "name": figure.name,
            "value": str(figure.value),
            "unit": figure.unit,
            "currency": figure.currency,
            "source": figure.source,
        },
        principal.username,
        at=now,
    )
    return row


def close(
    session: Session, principal: Principal, case_id: int, *, now: datetime, note: str | None
) -> models.Case:
    return transition(session, principal, case_id, CaseTransition.CLOSE.value, now=now, note=note)


def target_from_url(url: str) -> dict[str, str]:
    """The site a tip's URL points at, as a site operator's identifiers."""
    host = urlsplit(url).netloc or url
    return {"domain": host.lower()}
