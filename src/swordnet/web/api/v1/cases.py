"""Cases: list (with filters), one case with what it gathers, open, move through the
states, record penalties and figures, gather and drop items, refer, send a shutdown
request."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from swordnet.domain.cases import (
    FigureName,
    PenaltyKind,
    ReferralKind,
    TargetKind,
)
from swordnet.domain.errors import SwordNetError
from swordnet.services.access import Forbidden, Principal, allowed
from swordnet.services.cases import manage, package, referrals, views
from swordnet.services.cases.thresholds import evaluate_case
from swordnet.storage import models
from swordnet.web.api.common import MAX_LIMIT, Page, idempotent, request_body
from swordnet.web.api.v1.thresholds import RULE_SET_REF, EvaluationPublic, evaluation_public
from swordnet.web.deps import DB, now, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(requires("cases.read"))]
Writer = Annotated[Principal, Depends(requires("cases.write"))]
ItemKindName = Literal["detection", "capture", "notice", "tip", "inspection"]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class CasePublic(BaseModel):
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
    opened_at: datetime
    closed_at: datetime | None
    detections: int


class EventPublic(BaseModel):
    id: int
    kind: str
    data: dict[str, Any]
    actor: str
    at: datetime


class PenaltyPublic(BaseModel):
    id: int
    kind: str
    amount: Decimal | None
    currency: str | None
    description: str | None
    legal_basis: str
    decided_at: datetime
    recorded_by: str


class FigurePublic(BaseModel):
    id: int
    name: str
    value: Decimal
    unit: str
    currency: str | None
    source: str
    recorded_at: datetime
    recorded_by: str


class ReferralPublic(BaseModel):
    id: int
    case_id: int
    agency_id: int
    agency_name: str | None = None
    kind: str
    status: str
    message: str | None
    more_requested: str | None
    outcome: str | None
    outcome_text: str | None
    shutdown_request_id: int | None
    channel: str | None
    sent_at: datetime
    accepted_at: datetime | None
    outcome_at: datetime | None
    last_checked_at: datetime | None
    last_check_detail: str | None
    verified_at: datetime | None


class CaseDetailPublic(CasePublic):
    target_identifiers: dict[str, Any]
    notes: str | None
    items: dict[str, list[int]]
    events: list[EventPublic]
    penalties: list[PenaltyPublic]
    figures: list[FigurePublic]
    referrals: list[ReferralPublic]
    shutdown_requests: list[dict[str, Any]]
    transitions: list[str]


class CaseCreate(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    target_kind: TargetKind
    identifiers: dict[str, Annotated[str, Field(max_length=300)]] = Field(max_length=20)
    operator: str | None = Field(default=None, max_length=300)
    region_code: str | None = Field(default=None, max_length=32)
    platform_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    officer_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    tip_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    notes: str | None = Field(default=None, max_length=5000)
    detection_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=1000
    )


class TransitionIn(BaseModel):
    transition: Literal["investigate", "decide", "close", "dismiss", "reopen"]
    note: str | None = Field(default=None, max_length=5000)


class PenaltyIn(BaseModel):
    kind: PenaltyKind
    legal_basis: str = Field(min_length=1, max_length=1000)
    amount: Amount | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    description: str | None = Field(default=None, max_length=5000)


class FigureIn(BaseModel):
    name: FigureName
    value: Amount
    source: str = Field(min_length=1, max_length=2000)
    unit: str | None = Field(default=None, max_length=32)
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class ItemsIn(BaseModel):
    kind: ItemKindName
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=1000)
    remove: bool = False


class ItemsOut(BaseModel):
    kind: str
    changed: list[int]


class ReferralIn(BaseModel):
    agency_id: int = Field(ge=1, le=2**31 - 1)
    kind: Literal["criminal", "account_action", "app_action"]
    message: str | None = Field(default=None, max_length=5000)


class ShutdownSendIn(BaseModel):
    channel: Literal["smtp", "webhook"] = "smtp"
    webhook_url: str | None = Field(default=None, max_length=2000)
    message: str | None = Field(default=None, max_length=5000)


def case_public(row: views.CaseListRow) -> CasePublic:
    return CasePublic(**{name: getattr(row, name) for name in CasePublic.model_fields})


def referral_public(row: models.Referral, agency_name: str | None = None) -> ReferralPublic:
    fields = {n: getattr(row, n) for n in ReferralPublic.model_fields if n != "agency_name"}
    return ReferralPublic(**fields, agency_name=agency_name)


def detail_public(detail: views.CaseDetail) -> CaseDetailPublic:
    c = detail.case
    return CaseDetailPublic(
        **case_public(detail.row).model_dump(),
        target_identifiers=c.target_identifiers or {},
        notes=c.notes,
        items={
            "detection": [x.id for x in detail.detections],
            "capture": [x.id for x in detail.captures],
            "notice": [x.id for x in detail.notices],
            "tip": [x.id for x in detail.tips],
            "inspection": [x.id for x in detail.inspections],
        },
        events=[
            EventPublic(id=e.id, kind=e.kind, data=e.data, actor=e.actor, at=e.at)
            for e in detail.events
        ],
        penalties=[
            PenaltyPublic(**{n: getattr(p, n) for n in PenaltyPublic.model_fields})
            for p in detail.penalties
        ],
        figures=[
            FigurePublic(**{n: getattr(f, n) for n in FigurePublic.model_fields})
            for f in detail.figures
        ],
        referrals=[referral_public(r, name) for r, name in detail.referrals],
        shutdown_requests=[
            {
                "id": s.id,
                "status": s.status,
                "recipient": s.recipient,
                "subject": s.subject,
                "body_sha256": s.body_sha256,
                "created_at": s.created_at.isoformat(),
            }
            for s in detail.shutdown_requests
        ],
        transitions=[t.value for t in detail.transitions],
    )


@router.get("", response_model=Page[CasePublic], summary="Cases the caller may see")
def list_cases(
    request: Request,
    session: DB,
    principal: Reader,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    state: Annotated[str | None, Query(max_length=16)] = None,
    region_code: Annotated[str | None, Query(max_length=32)] = None,
    officer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    operator: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[CasePublic]:
    filters = views.CaseFilter(
        state=state, region_code=region_code, officer_id=officer_id, operator=operator
    )
    rows, following = views.list_cases(session, principal, filters, after=after, limit=limit)
    return Page[CasePublic](
        items=[case_public(r) for r in rows],
        next=str(request.url.include_query_params(after=following, limit=limit))
        if following
        else None,
        limit=limit,
    )


@router.get("/{case_id}", response_model=CaseDetailPublic, summary="One case, with all it holds")
def get_case(session: DB, principal: Reader, case_id: int) -> CaseDetailPublic:
    return detail_public(views.case_detail(session, principal, case_id))


@router.post("", status_code=201, response_model=CaseDetailPublic, summary="Open a case")
def create_case(
    request: Request,
    principal: Writer,
    body: CaseCreate,
    raw: Annotated[bytes, Depends(request_body)],
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            case = manage.open_case(
                session,
                principal,
                title=body.title,
                target_kind=body.target_kind,
                identifiers=body.identifiers,
                operator=body.operator,
                region_code=body.region_code,
                platform_id=body.platform_id,
                officer_id=body.officer_id,
                tip_id=body.tip_id,
                notes=body.notes,
                items={"detection": body.detection_ids},
                now=now(),
            )
            case_id = case.id
        with sessions() as session:
            return 201, detail_public(views.case_detail(session, principal, case_id))

    return idempotent(sessions, principal, request, raw, create)


def _detail(request: Request, principal: Principal, case_id: int) -> CaseDetailPublic:
    with request.app.state.container.sessions() as session:
        return detail_public(views.case_detail(session, principal, case_id))


@router.post("/{case_id}/transitions", response_model=CaseDetailPublic, summary="Move a case")
def transition(
    request: Request, principal: Writer, case_id: int, body: TransitionIn
) -> CaseDetailPublic:
    with request.app.state.container.sessions() as session, session.begin():
        manage.transition(session, principal, case_id, body.transition, now=now(), note=body.note)
    return _detail(request, principal, case_id)


@router.post(
    "/{case_id}/penalties", status_code=201, response_model=PenaltyPublic, summary="A penalty"
)
def add_penalty(
    request: Request, principal: Writer, case_id: int, body: PenaltyIn
) -> PenaltyPublic:
    with request.app.state.container.sessions() as session, session.begin():
        row = manage.record_penalty(
            session,
            principal,
            case_id,
            kind=body.kind,
            legal_basis=body.legal_basis,
            amount=body.amount,
            currency=body.currency,
            description=body.description,
            now=now(),
        )
        return PenaltyPublic(**{n: getattr(row, n) for n in PenaltyPublic.model_fields})


@router.post("/{case_id}/figures", status_code=201, response_model=FigurePublic, summary="A figure")
def add_figure(request: Request, principal: Writer, case_id: int, body: FigureIn) -> FigurePublic:
    with request.app.state.container.sessions() as session, session.begin():
        row = manage.record_figure(
            session,
            principal,
            case_id,
            name=body.name,
            value=body.value,
            source=body.source,
            unit=body.unit,
            currency=body.currency,
            now=now(),
        )
        return FigurePublic(**{n: getattr(row, n) for n in FigurePublic.model_fields})


@router.post("/{case_id}/items", response_model=ItemsOut, summary="Gather or drop items")
def change_items(request: Request, principal: Writer, case_id: int, body: ItemsIn) -> ItemsOut:
    with request.app.state.container.sessions() as session, session.begin():
        change = manage.remove_items if body.remove else manage.add_items
        changed = change(session, principal, case_id, body.kind, body.ids, now=now())
    return ItemsOut(kind=body.kind, changed=changed)


@router.post(
    "/{case_id}/referrals",
    status_code=201,
    response_model=ReferralPublic,
    summary="Refer a case to a partner agency",
)
def refer(request: Request, principal: Writer, case_id: int, body: ReferralIn) -> ReferralPublic:
    with request.app.state.container.sessions() as session, session.begin():
        row = referrals.refer(
            session,
            principal,
            case_id,
            agency_id=body.agency_id,
            kind=ReferralKind(body.kind),
            message=body.message,
            now=now(),
        )
        return referral_public(row, row.agency.name)


@router.post(
    "/{case_id}/shutdown-requests/{request_id}/send",
    status_code=201,
    response_model=ReferralPublic,
    summary="Send a drafted site shutdown request to the telecom regulator",
)
def send_shutdown(
    request: Request, principal: Writer, case_id: int, request_id: int, body: ShutdownSendIn
) -> ReferralPublic:
    container = request.app.state.container
    with container.sessions() as session:
        shutdown = referrals.shutdown_request_for(session, principal, request_id, "cases.write")
        if shutdown.case_id != case_id:
            raise SwordNetError(f"case {case_id} has no shutdown request {request_id}")
    row = referrals.send_shutdown_request(
        container.sessions,
        container.notifier(body.channel),
        principal,
        request_id,
        now=now(),
        webhook_url=body.webhook_url,
        message=body.message,
    )
    return referral_public(row)


class SetAsidePublic(BaseModel):
    name: str
    reason_zh: str
    reason_en: str


class CaseEvaluationPublic(BaseModel):
    case_id: int
    conduct_date: date
    conduct_date_basis: str  # earliest_detection, earliest_capture, case_opened, given
    figures: list[dict[str, Any]]
    set_aside: list[SetAsidePublic]
    problem: str | None
    evaluation: EvaluationPublic | None


def _thresholds_allowed(principal: Principal) -> None:
    """A case's reader who may not read the thresholds (a rights holder) is refused."""
    if not allowed(principal, "thresholds.read"):
        raise Forbidden(
            f"a {principal.role.value} may not see threshold evaluations", action="thresholds.read"
        )


@router.get(
    "/{case_id}/thresholds",
    response_model=CaseEvaluationPublic,
    summary="The case's figures evaluated against the criminal thresholds",
    description="Against the rule set named (`rule_set`), else the one in force on "
    "`conduct_date`, else on the date of the conduct: the earliest detection the case "
    "gathers (else its earliest capture, else the day it was opened).",
)
def case_thresholds(
    request: Request,
    session: DB,
    principal: Reader,
    case_id: int,
    rule_set: Annotated[str | None, Query(pattern=RULE_SET_REF)] = None,
    conduct_date: date | None = None,
) -> CaseEvaluationPublic:
    _thresholds_allowed(principal)
    detail = views.case_detail(session, principal, case_id)
    result = evaluate_case(
        request.app.state.container.sessions,
        session,
        detail.case,
        rule_set=rule_set,
        on=conduct_date,
    )
    plain = result.as_dict()
    return CaseEvaluationPublic(
        case_id=result.case_id,
        conduct_date=result.conduct_date,
        conduct_date_basis=result.date_basis,
        figures=plain["figures"],
        set_aside=[SetAsidePublic(**s) for s in plain["set_aside"]],
        problem=result.problem,
        evaluation=evaluation_public(result.report) if result.report else None,
    )


@router.get(
    "/{case_id}/referral-package",
    response_class=Response,
    summary="The police referral package, a PDF in Chinese and English",
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
def referral_package(request: Request, session: DB, principal: Reader, case_id: int) -> Response:
    _thresholds_allowed(principal)
    built = package.build_package(
        request.app.state.container.sessions, session, principal, case_id, now=now()
    )
    return Response(
        package.render_package_pdf(built),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}-referral-package.pdf"'
        },
    )
