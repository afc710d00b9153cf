"""The rights-holder portal: what was found of the holder's works and what was done about
it (detections by status, notices and their outcomes, counter-notices against its items,
which it can contest), and "file a complaint" about a copy it found itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from swordnet.services.access import Principal, allowed
from swordnet.services.enforcement import answers, browse
from swordnet.web.deps import DB, now, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Rights-holder portal"), "/portal/holder", "complaints.write")

_PORTAL_ROWS = 50


@router.get("/portal/holder", response_class=HTMLResponse)
def holder_portal(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("complaints.write"))],
    done: str | None = None,
) -> Response:
    at = now()
    overview = browse.holder_overview(session, principal)
    notices: list[browse.NoticeRow] = []
    items: dict[int, list[browse.ItemRow]] = {}
    if allowed(principal, "notices.read"):
        notices, _more = browse.list_notices(
            session, principal, browse.NoticeFilter(), now=at, limit=_PORTAL_ROWS
        )
        items = browse.notice_items(session, [n.id for n in notices])
    counters: list[browse.CounterRow] = []
    if allowed(principal, "counter_notices.read"):
        counters, _more = browse.list_counter_notices(session, principal, limit=_PORTAL_ROWS)
    return render(
        request,
        "enforce/portal_holder.html",
        {
            "overview": overview,
            "notices": notices,
            "items": items,
            "rows": counters,
            "can_contest": allowed(principal, "counter_notices.write"),
            "contest_next": "/portal/holder",
            "done": done,
            "now": at,
        },
    )


@router.post("/portal/holder/complaints")
def complain(
    request: Request,
    principal: Annotated[Principal, Depends(requires("complaints.write"))],
    url: Annotated[str, Form(min_length=1, max_length=2000)],
    work_id: Annotated[int, Form()],
    description: Annotated[str | None, Form(max_length=5000)] = None,
) -> Response:
    container = request.app.state.container
    with container.sessions() as session, session.begin():
        answers.file_complaint(
            session, principal, url=url, work_id=work_id, description=description, now=now()
        )
    return RedirectResponse("/portal/holder?done=complaint#complaint", status_code=303)
