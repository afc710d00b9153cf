"""Cases, read only for now: list and one, as the caller may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from swordnet.services.access import Principal
from swordnet.services.enforcement import browse
from swordnet.web.api.common import MAX_LIMIT, Page
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEM_RESPONSES)


class CasePublic(BaseModel):
    id: int
    title: str
    status: str
    platform_name: str | None
    region_code: str | None
    opened_at: datetime
    closed_at: datetime | None
    shutdown_requested: bool
    criminal_referral: bool
    detections: int
    notes: str | None


def case_public(row: browse.CaseRow) -> CasePublic:
    return CasePublic(
        id=row.id,
        title=row.title,
        status=row.status,
        platform_name=row.platform_name,
        region_code=row.region_code,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        shutdown_requested=row.shutdown_requested,
        criminal_referral=row.criminal_referral,
        detections=row.detections,
        notes=row.notes,
    )


@router.get("", response_model=Page[CasePublic], summary="Cases the caller may see")
def list_cases(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("cases.read"))],
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[CasePublic]:
    rows, following = browse.list_cases(session, principal, after=after, limit=limit)
    return Page[CasePublic](
        items=[case_public(r) for r in rows],
        next=str(request.url.include_query_params(after=following, limit=limit))
        if following
        else None,
        limit=limit,
    )


@router.get("/{case_id}", response_model=CasePublic, summary="One case")
def get_case(
    session: DB,
    principal: Annotated[Principal, Depends(requires("cases.read"))],
    case_id: int,
) -> CasePublic:
    return case_public(browse.get_case(session, principal, case_id))
