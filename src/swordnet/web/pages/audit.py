"""The audit log, searchable: who did what, to which record, when; and, for those who
may read the whole trail, whether its hash chain holds."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from swordnet.services import audit_log
from swordnet.services.access import Forbidden, Principal
from swordnet.services.database import verify_audit_trail
from swordnet.web.deps import DB, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Audit log"), "/audit", "audit.read")

PAGE = 50


class AuditSearch:
    """The search form's fields as query parameters (a dependency shared with the API)."""

    def __init__(
        self,
        actor: Annotated[str | None, Query(max_length=100)] = None,
        action: Annotated[str | None, Query(max_length=64)] = None,
        entity: Annotated[str | None, Query(max_length=64)] = None,
        entity_id: Annotated[int | None, Query(ge=0)] = None,
        since: Annotated[date | None, Query(description="From this day (UTC).")] = None,
        until: Annotated[date | None, Query(description="To this day, inclusive (UTC).")] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in the data.")] = None,
    ) -> None:
        self.filters = audit_log.AuditFilters(
            actor=actor or None,
            action=action or None,
            entity=entity or None,
            entity_id=entity_id,
            since=since,
            until=until,
            text=q or None,
        )


def _query_string(filters: audit_log.AuditFilters) -> str:
    from urllib.parse import urlencode

    pairs = {
        "actor": filters.actor,
        "action": filters.action,
        "entity": filters.entity,
        "entity_id": filters.entity_id,
        "since": filters.since,
        "until": filters.until,
        "q": filters.text,
    }
    return urlencode({k: v for k, v in pairs.items() if v not in (None, "")})


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("audit.read"))],
    search: Annotated[AuditSearch, Depends()],
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    events, following = audit_log.search_page(
        session, principal, search.filters, after=after, limit=PAGE
    )
    return render(
        request,
        "admin/audit.html",
        {
            "events": events,
            "after": following,
            "filters": search.filters,
            "query": _query_string(search.filters),
            "may_verify": audit_log.may_verify_chain(principal),
            "verification": None,
        },
    )


@router.post("/audit/verify", response_class=HTMLResponse)
def verify_chain(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("audit.read"))],
) -> Response:
    if not audit_log.may_verify_chain(principal):
        raise Forbidden(
            "only a reader of the whole audit trail can verify its chain", action="audit.read"
        )
    verification = verify_audit_trail(request.app.state.container.settings)
    events, following = audit_log.search_page(
        session, principal, audit_log.AuditFilters(), after=None, limit=PAGE
    )
    return render(
        request,
        "admin/audit.html",
        {
            "events": events,
            "after": following,
            "filters": audit_log.AuditFilters(),
            "query": "",
            "may_verify": True,
            "verification": verification,
        },
    )
