"""The review queue: filters, priority or date order, a page at a time, decisions by
keyboard (``static/review.js``) or button, singly or in bulk, the row redrawn by HTMX."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import DetectionStatus
from swordnet.plugins import modalities
from swordnet.services import review_queue
from swordnet.services.access import Principal, allowed
from swordnet.services.review_queue import QueueFilters
from swordnet.web.deps import DB, now, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Review"), "/review", "detections.read")


def _number(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise SwordNetError(f"not a number: {value!r}") from None


def _int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise SwordNetError(f"not a whole number: {value!r}")
    return int(value)


def queue_filters(
    status: Annotated[str | None, Query()] = "new",
    work: Annotated[str | None, Query()] = None,
    site: Annotated[str | None, Query()] = None,
    evidence: Annotated[str | None, Query()] = None,
    min_score: Annotated[str | None, Query()] = None,
    max_score: Annotated[str | None, Query()] = None,
    key_work: Annotated[str | None, Query()] = None,
    region: Annotated[str | None, Query()] = None,
    sort: Annotated[str, Query()] = "priority",
) -> QueueFilters:
    """The queue's filters from the query string (blank fields: not filtered)."""
    try:
        chosen = DetectionStatus(status) if status else None
    except ValueError:
        raise SwordNetError(f"unknown status {status!r}") from None
    return QueueFilters(
        status=chosen,
        work_id=_int(work),
        site=(site or "").strip() or None,
        evidence=(evidence or "").strip() or None,
        min_score=_number(min_score),
        max_score=_number(max_score),
        key_work={"yes": True, "no": False}.get(key_work or ""),
        region=(region or "").strip() or None,
        sort=sort,
    )


Filters = Annotated[QueueFilters, Depends(queue_filters)]


@router.get("/review", response_class=HTMLResponse)
def queue(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("detections.read"))],
    filters: Filters,
    cursor: Annotated[str | None, Query()] = None,
) -> Response:
    page = review_queue.review_page(session, principal, filters, now=now(), cursor=cursor)
    following = (
        str(request.url.include_query_params(cursor=page.next_cursor)) if page.next_cursor else None
    )
    return render(
        request,
        "review/queue.html",
        {
            "page": page,
            "filters": filters,
            "next_url": following,
            "statuses": [s.value for s in DetectionStatus],
            "evidence_kinds": [*modalities(), "title"],
            "may_review": allowed(principal, "detections.review"),
        },
    )


def _decided(request: Request, session: DB, principal: Principal, ids: list[int]) -> Response:
    request.app.state.scoped_cache.clear()  # the figures counting detections by status
    if request.headers.get("hx-request"):
        rows = [review_queue.queue_row(session, principal, i) for i in ids]
        return render(
            request,
            "review/_rows.html",
            {"rows": rows, "oob": len(ids) > 1, "may_review": True},
        )
    back = request.headers.get("referer") or "/review"
    return RedirectResponse(
        back if back.startswith(("/", str(request.base_url))) else "/review", 303
    )


@router.post("/detections/{detection_id}/decision", response_class=HTMLResponse)
def decide_one(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("detections.review"))],
    detection_id: int,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    review_queue.decide(session, principal, [detection_id], decision, now=now(), reason=reason)
    session.commit()
    return _decided(request, session, principal, [detection_id])


@router.post("/review/decisions", response_class=HTMLResponse)
def decide_many(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("detections.review"))],
    decision: Annotated[str, Form()],
    detection_id: Annotated[list[int] | None, Form()] = None,
    reason: Annotated[str, Form()] = "",
) -> Response:
    ids = detection_id or []
    review_queue.decide(session, principal, ids, decision, now=now(), reason=reason)
    session.commit()
    return _decided(request, session, principal, sorted(set(ids)))
