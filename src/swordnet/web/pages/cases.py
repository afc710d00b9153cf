"""Cases, read only for now: the list and one case, as the caller may see them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from swordnet.services.access import Principal
from swordnet.services.enforcement import browse
from swordnet.web.deps import DB, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Cases"), "/cases", "cases.read")


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("cases.read"))],
    after: int | None = None,
) -> Response:
    rows, following = browse.list_cases(session, principal, after=after)
    return render(
        request,
        "enforce/cases.html",
        {"rows": rows, "next_url": f"/cases?after={following}" if following else None},
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("cases.read"))],
    case_id: int,
) -> Response:
    return render(request, "enforce/case.html", {"c": browse.get_case(session, principal, case_id)})
