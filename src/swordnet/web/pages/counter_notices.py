"""Counter-notices: the list as the caller may see it; an officer records one received by
other means; the rights holder (or an officer) contests one so the item is not restored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from swordnet.domain.kinds import Role
from swordnet.services.access import Principal, allowed
from swordnet.services.enforcement import answers, browse
from swordnet.web.deps import DB, now, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Counter-notices"), "/counter-notices", "counter_notices.read")


@router.get("/counter-notices", response_class=HTMLResponse)
def counter_notices_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("counter_notices.read"))],
    after: int | None = None,
    done: str | None = None,
) -> Response:
    rows, following = browse.list_counter_notices(session, principal, after=after)
    writes = allowed(principal, "counter_notices.write")
    return render(
        request,
        "enforce/counter_notices.html",
        {
            "rows": rows,
            "next_url": f"/counter-notices?after={following}" if following else None,
            "can_record": writes
            and principal.role is not Role.RIGHTS_HOLDER
            and principal.role is not Role.PLATFORM,
            "can_contest": writes and principal.role is not Role.PLATFORM,
            "done": done,
        },
    )


@router.post("/counter-notices")
def record(
    request: Request,
    principal: Annotated[Principal, Depends(requires("counter_notices.write"))],
    notice_item_id: Annotated[int, Form()],
    claimant: Annotated[str, Form(min_length=1, max_length=300)],
    statement: Annotated[str, Form(min_length=1, max_length=10000)],
    contact: Annotated[str | None, Form(max_length=1000)] = None,
) -> Response:
    container = request.app.state.container
    with container.sessions() as session, session.begin():
        answers.record_counter_notice(
            session,
            container.settings.enforcement,
            principal,
            notice_item_id,
            answers.CounterGrounds(claimant.strip(), statement.strip(), (contact or "").strip()),
            now=now(),
        )
    return RedirectResponse("/counter-notices?done=recorded", status_code=303)


@router.post("/counter-notices/{counter_notice_id}/contest")
def contest(
    request: Request,
    principal: Annotated[Principal, Depends(requires("counter_notices.write"))],
    counter_notice_id: int,
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    next: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    container = request.app.state.container
    with container.sessions() as session, session.begin():
        answers.contest(session, principal, counter_notice_id, reason=reason)
    target = next if next in ("/portal/holder",) else "/counter-notices?done=contested"
    return RedirectResponse(target, status_code=303)
