"""Notices: list (filters: status, platform, overdue, ``since``), one with its items and
deliveries, draft, send, re-check; and the platform's answer to each item. A platform's
system integrates through these with a token scoped ``notices.read`` + ``notices.answer``:
it pulls the notices sent to it and posts an answer per item."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import NoticeStatus
from swordnet.services.access import NotVisible, Principal
from swordnet.services.enforcement import answers, browse
from swordnet.web.api.common import MAX_LIMIT, Page, idempotent, request_body
from swordnet.web.deps import DB, now, requires
from swordnet.web.problems import PROBLEM_RESPONSES
from swordnet.web.rechecks import JOBS, RecheckJob

router = APIRouter(prefix="/notices", tags=["notices"], responses=PROBLEM_RESPONSES)


class NoticePublic(BaseModel):
    id: int
    key: str
    status: NoticeStatus
    channel: str
    jurisdiction: str
    language: str
    recipient: str
    subject: str | None
    platform_id: int | None
    platform_name: str | None
    holder_id: int | None
    holder_name: str | None
    items: int
    created_at: datetime
    sent_at: datetime | None
    deadline_at: datetime | None
    checked_at: datetime | None
    overdue: bool


class NoticeItemPublic(BaseModel):
    id: int
    notice_id: int
    detection_id: int
    url: str
    status: str
    work_id: int
    work_title: str
    checked_at: datetime | None
    check_detail: str | None
    counter_notice_id: int | None
    reported_removed: bool


class DeliveryPublic(BaseModel):
    attempt: int
    channel: str
    outcome: str
    reference: str | None
    error: str | None
    actor: str
    started_at: datetime
    finished_at: datetime | None


class NoticeDetailPublic(NoticePublic):
    body_text: str
    body_sha256: str | None
    notice_items: list[NoticeItemPublic]
    deliveries: list[DeliveryPublic]


class NoticeDraftCreate(BaseModel):
    channel: Literal["smtp", "webhook"] = "smtp"
    language: Literal["zh", "en"] = "zh"
    jurisdiction: Literal["cn-rpnd", "us-dmca"] | None = None


class DraftedPublic(BaseModel):
    notices: list[int] = Field(description="The ids of the notices drafted.")


class SendPublic(BaseModel):
    notice_id: int
    sent: bool
    failed: list[str]
    in_doubt: bool


class RecheckPublic(BaseModel):
    job: str
    notice_id: int
    stage: str
    count: int
    error: str | None
    summary: dict[str, int]
    verdict: str | None


class AnswerCreate(BaseModel):
    answer: Literal["removed", "counter_notice"]
    claimant: str | None = Field(default=None, max_length=300)
    contact: str | None = Field(default=None, max_length=1000)
    statement: str | None = Field(default=None, max_length=10000)

    @model_validator(mode="after")
    def _grounds(self) -> AnswerCreate:
        if self.answer == "counter_notice" and not (
            (self.claimant or "").strip() and (self.statement or "").strip()
        ):
            raise ValueError("a counter-notice needs the claimant and the statement")
        return self


def notice_public(row: browse.NoticeRow, at: datetime) -> NoticePublic:
    return NoticePublic(
        id=row.id,
        key=row.key,
        status=row.status,
        channel=row.channel,
        jurisdiction=row.jurisdiction,
        language=row.language,
        recipient=row.recipient,
        subject=row.subject,
        platform_id=row.platform_id,
        platform_name=row.platform_name,
        holder_id=row.holder_id,
        holder_name=row.holder_name,
        items=row.items,
        created_at=row.created_at,
        sent_at=row.sent_at,
        deadline_at=row.deadline_at,
        checked_at=row.checked_at,
        overdue=row.overdue(at),
    )


def item_public(item: browse.ItemRow) -> NoticeItemPublic:
    return NoticeItemPublic(
        id=item.id,
        notice_id=item.notice_id,
        detection_id=item.detection_id,
        url=item.url,
        status=item.status,
        work_id=item.work_id,
        work_title=item.work_title,
        checked_at=item.checked_at,
        check_detail=item.check_detail,
        counter_notice_id=item.counter_notice_id,
        reported_removed=item.reported_removed,
    )


@router.get("", response_model=Page[NoticePublic], summary="Notices the caller may see")
def list_notices(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    status: NoticeStatus | None = None,
    platform_id: int | None = None,
    overdue: bool = False,
    since: Annotated[
        datetime | None, Query(description="Only notices drafted at or after this time.")
    ] = None,
    after: Annotated[int | None, Query(ge=0, description="The last id already seen.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[NoticePublic]:
    at = now()
    filters = browse.NoticeFilter(status, platform_id, overdue, since)
    rows, following = browse.list_notices(
        session, principal, filters, now=at, after=after, limit=limit
    )
    return Page[NoticePublic](
        items=[notice_public(r, at) for r in rows],
        next=str(request.url.include_query_params(after=following, limit=limit))
        if following
        else None,
        limit=limit,
    )


@router.get("/{notice_id}", response_model=NoticeDetailPublic, summary="One notice")
def get_notice(
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    notice_id: int,
) -> NoticeDetailPublic:
    detail = browse.notice_detail(session, principal, notice_id)
    return NoticeDetailPublic(
        **notice_public(detail.notice, now()).model_dump(),
        body_text=detail.body_text,
        body_sha256=detail.body_sha256,
        notice_items=[item_public(i) for i in detail.items],
        deliveries=[_delivery(d) for d in detail.deliveries],
    )


def _delivery(d: browse.DeliveryRow) -> DeliveryPublic:
    return DeliveryPublic(
        attempt=d.attempt,
        channel=d.channel,
        outcome=d.outcome,
        reference=d.reference,
        error=d.error,
        actor=d.actor,
        started_at=d.started_at,
        finished_at=d.finished_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=DraftedPublic,
    summary="Draft notices for the confirmed detections the caller may notice",
)
def draft(
    request: Request,
    principal: Annotated[Principal, Depends(requires("notices.write"))],
    body: Annotated[bytes, Depends(request_body)],
    payload: NoticeDraftCreate,
) -> JSONResponse:
    container = request.app.state.container

    def create() -> tuple[int, BaseModel]:
        with container.sessions() as session, session.begin():
            drafted = answers.draft_for(
                session,
                container.settings.enforcement,
                principal,
                now=now(),
                channel=payload.channel,
                language=payload.language,
                jurisdiction=payload.jurisdiction,
            )
            return 201, DraftedPublic(notices=[n.id for n in drafted])

    return idempotent(container.sessions, principal, request, body, create)


@router.post("/{notice_id}/send", response_model=SendPublic, summary="Send a drafted notice")
def send(
    request: Request,
    principal: Annotated[Principal, Depends(requires("notices.send"))],
    notice_id: int,
) -> SendPublic:
    container = request.app.state.container
    channel = answers.channel_of(container.sessions, principal, notice_id)
    report = answers.send_one(
        container.sessions,
        container.notifier(channel),
        principal,
        notice_id,
        now=now(),
        resend_in_doubt=container.settings.enforcement.resend_in_doubt,
    )
    if report.failed:
        raise SwordNetError("; ".join(f"delivery failed: {error}" for _key, error in report.failed))
    return SendPublic(
        notice_id=notice_id,
        sent=bool(report.sent or report.confirmed_earlier),
        failed=[error for _key, error in report.failed],
        in_doubt=bool(report.in_doubt),
    )


def _job_public(job: RecheckJob) -> RecheckPublic:
    return RecheckPublic(
        job=job.id,
        notice_id=job.notice_id,
        stage=job.stage,
        count=job.count,
        error=job.error,
        summary=job.summary,
        verdict=job.verdict,
    )


@router.post(
    "/{notice_id}/recheck",
    status_code=202,
    response_model=RecheckPublic,
    summary="Re-check a notice whose deadline passed, in the background",
)
def recheck(
    request: Request,
    tasks: BackgroundTasks,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.send"))],
    notice_id: int,
) -> RecheckPublic:
    browse.open_notice(session, principal, notice_id, "notices.send")
    job = JOBS.start(notice_id, principal)
    tasks.add_task(JOBS.run, job, request.app.state.container, principal)
    return _job_public(job)


@router.get(
    "/{notice_id}/recheck/{job_id}", response_model=RecheckPublic, summary="A re-check's progress"
)
def recheck_status(
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    notice_id: int,
    job_id: str,
) -> RecheckPublic:
    browse.open_notice(session, principal, notice_id)
    job = JOBS.get(job_id, principal)
    if job is None or job.notice_id != notice_id:
        raise NotVisible(f"no re-check {job_id} of notice {notice_id} known here")
    return _job_public(job)


@router.post(
    "/{notice_id}/items/{notice_item_id}/answer",
    response_model=NoticeItemPublic,
    summary="The platform's answer to one item: removed, or a counter-notice",
)
def answer(
    request: Request,
    principal: Annotated[Principal, Depends(requires("notices.answer"))],
    body: Annotated[bytes, Depends(request_body)],
    notice_id: int,
    notice_item_id: int,
    payload: AnswerCreate,
) -> JSONResponse:
    container = request.app.state.container

    def create() -> tuple[int, BaseModel]:
        grounds = None
        if payload.answer == "counter_notice":
            grounds = answers.CounterGrounds(
                (payload.claimant or "").strip(),
                (payload.statement or "").strip(),
                (payload.contact or "").strip() or None,
            )
        with container.sessions() as session, session.begin():
            answers.answer_item(
                session,
                container.settings.enforcement,
                principal,
                notice_id,
                notice_item_id,
                payload.answer,
                grounds=grounds,
                now=now(),
            )
            items = browse.notice_items(session, [notice_id])[notice_id]
        item = next(i for i in items if i.id == notice_item_id)
        return 200, item_public(item)

    return idempotent(container.sessions, principal, request, body, create)
