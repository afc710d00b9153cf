"""Notices in the browser: the list with its filters and deadlines, drafting from the
confirmed detections, one notice's preview, sending, deliveries and re-check verdicts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import NoticeStatus
from swordnet.services.access import Principal, allowed
from swordnet.services.enforcement import answers, browse
from swordnet.web.deps import DB, now, requires
from swordnet.web.i18n import N_
from swordnet.web.rechecks import JOBS
from swordnet.web.scoped_cache import ScopedCache
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Notices"), "/notices", "notices.read")

CHANNELS = ("smtp", "webhook")
LANGUAGES = (("zh", N_("Chinese")), ("en", N_("English")))
# the outcomes of a delivery attempt, as the page shows them
OUTCOMES = (N_("attempting"), N_("delivered"), N_("failed"))
JURISDICTIONS = (("cn-rpnd", N_("China: RPND art. 14")), ("us-dmca", N_("United States: DMCA")))


def _status(value: str | None) -> NoticeStatus | None:
    if not value:
        return None
    try:
        return NoticeStatus(value)
    except ValueError:
        raise SwordNetError(f"no notice status {value!r}") from None


@router.get("/notices", response_class=HTMLResponse)
def notices_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    status: str | None = None,
    platform: int | None = None,
    overdue: bool = False,
    after: int | None = None,
    drafted: int | None = None,
) -> Response:
    at = now()
    filters = browse.NoticeFilter(status=_status(status), platform_id=platform, overdue=overdue)
    rows, following = browse.list_notices(session, principal, filters, now=at, after=after)
    cache: ScopedCache = request.app.state.scoped_cache
    waiting, age_s = None, 0
    if allowed(principal, "notices.write"):
        # a scan of every confirmed detection: once a minute per scope, not per request
        waiting, age_s = cache.get(
            "notices.draftable", principal, lambda: browse.draftable_summary(session, principal)
        )
    platforms, _ = cache.get(
        "notices.platforms", principal, lambda: browse.platform_choices(session, principal)
    )
    query = {"status": status or "", "platform": platform or "", "overdue": "1" if overdue else ""}
    return render(
        request,
        "enforce/notices.html",
        {
            "rows": rows,
            "now": at,
            "statuses": [s.value for s in NoticeStatus],
            "platforms": platforms,
            "filters": {"status": status or "", "platform": platform, "overdue": overdue},
            "next_url": (
                f"/notices?{urlencode({**query, 'after': following})}" if following else None
            ),
            "groups": waiting.groups if waiting else [],
            "waiting": waiting,
            "waiting_age_s": age_s,
            "channels": CHANNELS,
            "notice_languages": LANGUAGES,
            "jurisdictions": JURISDICTIONS,
            "drafted": drafted,
        },
    )


@router.post("/notices/draft")
def draft(
    request: Request,
    principal: Annotated[Principal, Depends(requires("notices.write"))],
    channel: Annotated[str, Form(max_length=32)],
    language: Annotated[str, Form(max_length=8)],
    jurisdiction: Annotated[str | None, Form(max_length=16)] = None,
) -> Response:
    container = request.app.state.container
    if channel not in CHANNELS:
        raise SwordNetError(f"notices are sent by {' or '.join(CHANNELS)}, not {channel!r}")
    with container.sessions() as session, session.begin():
        drafted = answers.draft_for(
            session,
            container.settings.enforcement,
            principal,
            now=now(),
            channel=channel,
            language=language,
            jurisdiction=jurisdiction or None,
        )
        count = len(drafted)
        only = drafted[0].id if count == 1 else None
    request.app.state.scoped_cache.clear()  # fewer detections wait, more notices list
    target = f"/notices/{only}" if only is not None else f"/notices?drafted={count}"
    return RedirectResponse(target, status_code=303)


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    notice_id: int,
    recheck: str | None = None,
    sent: int | None = None,
) -> Response:
    detail = browse.notice_detail(session, principal, notice_id)
    at = now()
    job = JOBS.get(recheck, principal) if recheck else None
    return render(
        request,
        "enforce/notice.html",
        {
            "d": detail,
            "n": detail.notice,
            "now": at,
            "job": job,
            "sent": sent,
            "can_send": allowed(principal, "notices.send")
            and detail.notice.status is NoticeStatus.RENDERED,
            "can_recheck": allowed(principal, "notices.send")
            and detail.notice.status is NoticeStatus.SENT
            and detail.notice.deadline_at is not None
            and detail.notice.deadline_at <= at,
        },
    )


@router.post("/notices/{notice_id}/send")
def send(
    request: Request,
    principal: Annotated[Principal, Depends(requires("notices.send"))],
    notice_id: int,
) -> Response:
    container = request.app.state.container
    channel = answers.channel_of(container.sessions, principal, notice_id)
    notifier = container.notifier(channel)
    report = answers.send_one(
        container.sessions,
        notifier,
        principal,
        notice_id,
        now=now(),
        resend_in_doubt=container.settings.enforcement.resend_in_doubt,
    )
    if report.failed:
        raise SwordNetError("; ".join(f"delivery failed: {error}" for _key, error in report.failed))
    if report.in_doubt:
        raise SwordNetError(
            "an earlier attempt was interrupted and e-mail cannot be asked whether it arrived: "
            "check the mailbox, then resend from the command line with --resend-in-doubt"
        )
    return RedirectResponse(f"/notices/{notice_id}?sent=1", status_code=303)


@router.post("/notices/{notice_id}/recheck")
def start_recheck(
    request: Request,
    tasks: BackgroundTasks,
    principal: Annotated[Principal, Depends(requires("notices.send"))],
    notice_id: int,
) -> Response:
    container = request.app.state.container
    with container.sessions() as session:  # refused now if not visible; the job checks the rest
        browse.open_notice(session, principal, notice_id, "notices.send")
    job = JOBS.start(notice_id, principal)
    tasks.add_task(JOBS.run, job, container, principal)
    return RedirectResponse(f"/notices/{notice_id}?recheck={job.id}", status_code=303)


@router.get("/notices/{notice_id}/recheck/{job_id}", response_class=HTMLResponse)
def recheck_progress(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    notice_id: int,
    job_id: str,
) -> Response:
    browse.open_notice(session, principal, notice_id)
    job = JOBS.get(job_id, principal)
    headers = {"HX-Refresh": "true"} if job is not None and job.finished else None
    return render(
        request,
        "enforce/recheck_progress.html",
        {"job": job, "notice_id": notice_id},
        headers=headers,
    )
