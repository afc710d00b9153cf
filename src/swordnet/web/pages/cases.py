"""Cases in the browser: the list with its filters, opening one (by hand, from detections
or a tip), one case with everything it gathers, its timeline, penalties, figures and
referrals, and the forms for what the caller may do to it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from swordnet.domain.cases import (
    LEGAL_BASES,
    TARGET_IDENTIFIERS,
    CaseState,
    FigureName,
    PenaltyKind,
    ReferralKind,
    ReferralOutcome,
    ReferralStatus,
    TargetKind,
)
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import AgencyKind
from swordnet.services.access import Forbidden, Principal, allowed
from swordnet.services.cases import manage, package, referrals, views
from swordnet.services.cases.thresholds import evaluate_case
from swordnet.storage import models
from swordnet.web.deps import DB, language, now, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
E = TypeVar("E", bound=StrEnum)
add_nav(N_("Cases"), "/cases", "cases.read")

# the words the pages show for the domain's values (extracted for translation)
LABELS = {
    "intake": N_("intake"),
    "investigation": N_("investigation"),
    "decision": N_("decision"),
    "referral": N_("referral"),
    "closed": N_("closed"),
    "investigate": N_("investigate"),
    "decide": N_("decide"),
    "close": N_("close"),
    "dismiss": N_("dismiss"),
    "reopen": N_("reopen"),
    "site": N_("site"),
    "company": N_("company"),
    "account": N_("account"),
    "app": N_("app"),
    "warning": N_("warning"),
    "order_to_stop": N_("order to stop"),
    "confiscate_gains": N_("confiscation of illegal gains"),
    "confiscate_copies": N_("confiscation of infringing copies"),
    "confiscate_equipment": N_("confiscation of equipment"),
    "fine": N_("fine"),
    "illegal_business_volume": N_("illegal business volume"),
    "illegal_gains": N_("illegal gains"),
    "works_disseminated": N_("number of works"),
    "actual_clicks": N_("clicks or views"),
    "registered_members": N_("paying members"),
    "copies": N_("copies"),
    "downloads": N_("downloads"),
    "criminal": N_("criminal referral"),
    "site_shutdown": N_("site shutdown"),
    "account_action": N_("account action"),
    "app_action": N_("app action"),
    "sent": N_("sent"),
    "accepted": N_("accepted"),
    "more_requested": N_("more requested"),
    "outcome_recorded": N_("outcome recorded"),
    "action_taken": N_("action taken"),
    "no_action": N_("no action"),
    "manual": N_("by hand"),
    "tip": N_("from a tip"),
    "escalation": N_("by escalation"),
    "draft": N_("draft"),
    # the timeline's events
    "opened": N_("opened"),
    "assigned": N_("assigned"),
    "items_added": N_("items added"),
    "items_removed": N_("items removed"),
    "transition": N_("state changed"),
    "penalty_recorded": N_("penalty recorded"),
    "figure_recorded": N_("figure recorded"),
    "referral_accept": N_("referral accepted"),
    "referral_request_more": N_("more requested by the agency"),
    "referral_resubmit": N_("referral sent again"),
    "referral_record_outcome": N_("outcome recorded by the agency"),
    "shutdown_rechecked": N_("site re-checked"),
    "site_shut_down_verified": N_("site verified shut down"),
    # how the date of the conduct was chosen for the threshold evaluation
    "earliest_detection": N_("the earliest detection the case gathers"),
    "earliest_capture": N_("the earliest capture the case gathers"),
    "case_opened": N_("the day the case was opened (it gathers no detection)"),
    "given": N_("the date given"),
    # a limb's result
    "met": N_("met"),
    "partial": N_("at the fraction"),
    "below": N_("not met"),
    "missing": N_("not given"),
}

Reader = Annotated[Principal, Depends(requires("cases.read"))]
Writer = Annotated[Principal, Depends(requires("cases.write"))]


def _ids(text: str | None) -> list[int]:
    found = []
    for part in (text or "").replace(",", " ").split():
        if not part.isdigit() or len(part) > 12:
            raise SwordNetError(f"{part!r} is not an id")
        found.append(int(part))
    return found


def _enum(cls: type[E], value: str, what: str) -> E:
    try:
        return cls(value)
    except ValueError:
        raise SwordNetError(f"no {what} {value!r}") from None


def _back(case_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/cases/{case_id}{anchor}", status_code=303)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    session: DB,
    principal: Reader,
    state: str | None = None,
    region: str | None = None,
    officer: int | None = None,
    operator: str | None = None,
    after: int | None = None,
) -> Response:
    filters = views.CaseFilter(
        state=state or None,
        region_code=(region or "").strip() or None,
        officer_id=officer,
        operator=(operator or "").strip()[:200] or None,
    )
    rows, following = views.list_cases(session, principal, filters, after=after)
    query = {
        "state": state or "",
        "region": region or "",
        "officer": officer or "",
        "operator": operator or "",
    }
    return render(
        request,
        "enforce/cases.html",
        {
            "rows": rows,
            "labels": LABELS,
            "filters": query,
            "states": [s.value for s in CaseState],
            "officers": views.officer_choices(session, principal),
            "next_url": f"/cases?{urlencode({**query, 'after': following})}" if following else None,
        },
    )


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_page(
    request: Request,
    session: DB,
    principal: Writer,
    detections: str | None = None,
    tip: int | None = None,
) -> Response:
    tip_row = session.get(models.Tip, tip) if tip is not None else None
    return render(
        request,
        "enforce/case_new.html",
        {
            "labels": LABELS,
            "target_kinds": [k.value for k in TargetKind],
            "detections": detections or "",
            "tip": tip_row,
            "officers": views.officer_choices(session, principal),
            "region": principal.region_code or "",
        },
    )


@router.post("/cases")
def create_case(
    request: Request,
    principal: Writer,
    title: Annotated[str, Form(max_length=300)],
    target_kind: Annotated[str, Form(max_length=16)],
    identifier: Annotated[str, Form(max_length=300)],
    operator: Annotated[str | None, Form(max_length=300)] = None,
    region_code: Annotated[str | None, Form(max_length=32)] = None,
    detections: Annotated[str | None, Form(max_length=5000)] = None,
    tip_id: Annotated[int | None, Form(ge=1)] = None,
    notes: Annotated[str | None, Form(max_length=5000)] = None,
) -> Response:
    kind = _enum(TargetKind, target_kind, "kind of operator")
    first = TARGET_IDENTIFIERS[kind][0]
    with request.app.state.container.sessions() as session, session.begin():
        case = manage.open_case(
            session,
            principal,
            title=title,
            target_kind=kind,
            identifiers={first: identifier},
            operator=operator or None,
            region_code=region_code or None,
            tip_id=tip_id,
            notes=notes or None,
            items={"detection": _ids(detections)},
            now=now(),
        )
        case_id = case.id
    return _back(case_id)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, session: DB, principal: Reader, case_id: int) -> Response:
    detail = views.case_detail(session, principal, case_id)
    agencies = []
    if detail.can_write:
        agencies = list(
            session.scalars(
                select(models.Agency)
                .where(models.Agency.kind != AgencyKind.COPYRIGHT)
                .order_by(models.Agency.name)
            )
        )
    evaluation = None
    if allowed(principal, "thresholds.read"):
        evaluation = evaluate_case(request.app.state.container.sessions, session, detail.case)
    zh = language(request).startswith("zh")
    explanation: tuple[str, ...] = ()
    if evaluation is not None and evaluation.report is not None:
        explanation = evaluation.report.lines_zh if zh else evaluation.report.lines_en
    return render(
        request,
        "enforce/case.html",
        {
            "evaluation": evaluation,
            "explanation": explanation,
            "zh": zh,
            "d": detail,
            "c": detail.case,
            "labels": LABELS,
            "penalty_kinds": [k.value for k in PenaltyKind],
            "figure_names": [f.value for f in FigureName],
            "referral_kinds": [
                k.value for k in ReferralKind if k is not ReferralKind.SITE_SHUTDOWN
            ],
            "legal_bases": LEGAL_BASES,
            "agencies": agencies,
            "officers": views.officer_choices(session, principal) if detail.can_write else [],
            "more_requested": ReferralStatus.MORE_REQUESTED.value,
        },
    )


@router.get("/cases/{case_id}/referral-package.pdf")
def case_referral_package(
    request: Request, session: DB, principal: Reader, case_id: int
) -> Response:
    """The police referral package as a PDF (Chinese and English)."""
    if not allowed(principal, "thresholds.read"):
        raise Forbidden(
            f"a {principal.role.value} may not see threshold evaluations", action="thresholds.read"
        )
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


@router.post("/cases/{case_id}/transition")
def case_transition(
    request: Request,
    principal: Writer,
    case_id: int,
    transition: Annotated[str, Form(max_length=32)],
    note: Annotated[str | None, Form(max_length=5000)] = None,
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        manage.transition(session, principal, case_id, transition, now=now(), note=note)
    return _back(case_id)


@router.post("/cases/{case_id}/assign")
def case_assign(
    request: Request,
    principal: Writer,
    case_id: int,
    officer_id: Annotated[int, Form(ge=1)],
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        manage.assign(session, principal, case_id, officer_id, now=now())
    return _back(case_id)


@router.post("/cases/{case_id}/items")
def case_add_items(
    request: Request,
    principal: Writer,
    case_id: int,
    kind: Annotated[str, Form(max_length=16)],
    ids: Annotated[str, Form(max_length=5000)],
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        manage.add_items(session, principal, case_id, kind, _ids(ids), now=now())
    return _back(case_id, "#gathered")


@router.post("/cases/{case_id}/items/remove")
def case_remove_item(
    request: Request,
    principal: Writer,
    case_id: int,
    kind: Annotated[str, Form(max_length=16)],
    item_id: Annotated[int, Form(ge=1)],
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        manage.remove_items(session, principal, case_id, kind, [item_id], now=now())
    return _back(case_id, "#gathered")


@router.post("/cases/{case_id}/penalties")
def case_penalty(
    request: Request,
    principal: Writer,
    case_id: int,
    kind: Annotated[str, Form(max_length=32)],
    legal_basis: Annotated[str, Form(max_length=1000)],
    amount: Annotated[str | None, Form(max_length=30)] = None,
    currency: Annotated[str | None, Form(max_length=3)] = None,
    description: Annotated[str | None, Form(max_length=5000)] = None,
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        manage.record_penalty(
            session,
            principal,
            case_id,
            kind=_enum(PenaltyKind, kind, "penalty"),
            legal_basis=legal_basis,
            amount=amount or None,
            currency=currency or None,
            description=description,
            now=now(),
        )
    return _back(case_id, "#penalties")


@router.post("/cases/{case_id}/figures")
def case_figure(
    request: Request,
    principal: Writer,
    case_id: int,
    name: Annotated[str, Form(max_length=32)],
    value: Annotated[str, Form(max_length=30)],
    source: Annotated[str, Form(max_length=2000)],
    unit: Annotated[str | None, Form(max_length=32)] = None,
    currency: Annotated[str | None, Form(max_length=3)] = None,
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        manage.record_figure(
            session,
            principal,
            case_id,
            name=_enum(FigureName, name, "figure"),
            value=value,
            source=source,
            unit=unit,
            currency=currency or None,
            now=now(),
        )
    return _back(case_id, "#figures")


@router.post("/cases/{case_id}/referrals")
def case_refer(
    request: Request,
    principal: Writer,
    case_id: int,
    agency_id: Annotated[int, Form(ge=1)],
    kind: Annotated[str, Form(max_length=32)],
    message: Annotated[str | None, Form(max_length=5000)] = None,
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        referrals.refer(
            session,
            principal,
            case_id,
            agency_id=agency_id,
            kind=_enum(ReferralKind, kind, "kind of referral"),
            message=message,
            now=now(),
        )
    return _back(case_id, "#referrals")


@router.post("/cases/{case_id}/referrals/{referral_id}/resubmit")
def case_resubmit(
    request: Request,
    principal: Writer,
    case_id: int,
    referral_id: int,
    message: Annotated[str, Form(max_length=5000)],
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        manage.open_for_write(session, principal, case_id)
        referral = session.get(models.Referral, referral_id)
        if referral is None or referral.case_id != case_id:
            raise SwordNetError(f"case {case_id} has no referral {referral_id}")
        referrals.resubmit(session, principal, referral_id, message=message, now=now())
    return _back(case_id, "#referrals")


@router.post("/cases/{case_id}/shutdown-requests/{request_id}/send")
def case_send_shutdown(
    request: Request,
    principal: Writer,
    case_id: int,
    request_id: int,
    channel: Annotated[str, Form(max_length=16)] = "smtp",
    webhook_url: Annotated[str | None, Form(max_length=2000)] = None,
    message: Annotated[str | None, Form(max_length=5000)] = None,
) -> Response:
    container = request.app.state.container
    with container.sessions() as session:
        shutdown = referrals.shutdown_request_for(session, principal, request_id, "cases.write")
        if shutdown.case_id != case_id:
            raise SwordNetError(f"case {case_id} has no shutdown request {request_id}")
    if channel not in referrals.CHANNELS:
        raise SwordNetError(f"send by {' or '.join(referrals.CHANNELS)}")
    referrals.send_shutdown_request(
        container.sessions,
        container.notifier(channel),
        principal,
        request_id,
        now=now(),
        webhook_url=webhook_url or None,
        message=message,
    )
    return _back(case_id, "#referrals")


# --- the partner agency's inbox ------------------------------------------------------------

add_nav(N_("Inbox"), "/partner/inbox", "referrals.answer")
Answerer = Annotated[Principal, Depends(requires("referrals.answer"))]


@router.get("/partner/inbox", response_class=HTMLResponse)
def partner_inbox(
    request: Request,
    session: DB,
    principal: Answerer,
    status: str | None = None,
    after: int | None = None,
) -> Response:
    rows, following = views.list_referrals(session, principal, status=status or None, after=after)
    query = {"status": status or ""}
    return render(
        request,
        "enforce/inbox.html",
        {
            "rows": rows,
            "labels": LABELS,
            "statuses": [s.value for s in ReferralStatus],
            "outcomes": [o.value for o in ReferralOutcome],
            "filters": query,
            "next_url": (
                f"/partner/inbox?{urlencode({**query, 'after': following})}" if following else None
            ),
        },
    )


@router.post("/partner/referrals/{referral_id}/accept")
def partner_accept(request: Request, principal: Answerer, referral_id: int) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        referrals.accept(session, principal, referral_id, now=now())
    return RedirectResponse("/partner/inbox", status_code=303)


@router.post("/partner/referrals/{referral_id}/request-more")
def partner_request_more(
    request: Request,
    principal: Answerer,
    referral_id: int,
    message: Annotated[str, Form(max_length=5000)],
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        referrals.request_more(session, principal, referral_id, message=message, now=now())
    return RedirectResponse("/partner/inbox", status_code=303)


@router.post("/partner/referrals/{referral_id}/outcome")
def partner_outcome(
    request: Request,
    principal: Answerer,
    referral_id: int,
    outcome: Annotated[str, Form(max_length=32)],
    text: Annotated[str, Form(max_length=5000)],
) -> Response:
    with request.app.state.container.sessions() as session, session.begin():
        referrals.record_outcome(
            session,
            principal,
            referral_id,
            outcome=_enum(ReferralOutcome, outcome, "outcome"),
            text=text,
            now=now(),
        )
    return RedirectResponse("/partner/inbox", status_code=303)
