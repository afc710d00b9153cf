"""The platform portal: the notices sent to the platform, item by item, each answered
(removed, or a counter-notice with its grounds), and the pre-warning lists to acknowledge.
Everything is scoped to the user's platform and audited under the user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from swordnet.services.access import Principal
from swordnet.services.enforcement import answers, browse
from swordnet.web.deps import DB, now, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Platform portal"), "/portal/platform", "notices.answer")

_PORTAL_NOTICES = 50


@router.get("/portal/platform", response_class=HTMLResponse)
def platform_portal(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.answer"))],
    after: int | None = None,
    done: str | None = None,
) -> Response:
    at = now()
    rows, following = browse.list_notices(
        session, principal, browse.NoticeFilter(), now=at, after=after, limit=_PORTAL_NOTICES
    )
    items = browse.notice_items(session, [n.id for n in rows])
    lists, _more = browse.list_prewarning(session, principal)
    return render(
        request,
        "enforce/portal_platform.html",
        {
            "rows": rows,
            "items": items,
            "answerable": {s.value for s in answers.ANSWERABLE},
            "lists": lists,
            "now": at,
            "done": done,
            "next_url": f"/portal/platform?after={following}" if following else None,
        },
    )


@router.post("/portal/platform/notices/{notice_id}/items/{notice_item_id}/answer")
def answer(
    request: Request,
    principal: Annotated[Principal, Depends(requires("notices.answer"))],
    notice_id: int,
    notice_item_id: int,
    answer: Annotated[str, Form(max_length=20)],
    claimant: Annotated[str | None, Form(max_length=300)] = None,
    contact: Annotated[str | None, Form(max_length=1000)] = None,
    statement: Annotated[str | None, Form(max_length=10000)] = None,
) -> Response:
    container = request.app.state.container
    grounds = None
    if answer == "counter_notice":
        grounds = answers.CounterGrounds(
            (claimant or "").strip(), (statement or "").strip(), (contact or "").strip() or None
        )
    with container.sessions() as session, session.begin():
        answers.answer_item(
            session,
            container.settings.enforcement,
            principal,
            notice_id,
            notice_item_id,
            answer,
            grounds=grounds,
            now=now(),
        )
    return RedirectResponse(f"/portal/platform?done=answered#notice-{notice_id}", status_code=303)
