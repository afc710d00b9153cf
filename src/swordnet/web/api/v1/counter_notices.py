"""Counter-notices: list and one as the caller may see them; an officer records one; the
rights holder (or an officer) contests one so that its item is not restored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from swordnet.services.access import NotVisible, Principal
from swordnet.services.enforcement import answers, browse
from swordnet.storage import models
from swordnet.web.api.common import MAX_LIMIT, Page, idempotent, request_body
from swordnet.web.deps import DB, now, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/counter-notices", tags=["counter-notices"], responses=PROBLEM_RESPONSES)


class CounterNoticePublic(BaseModel):
    id: int
    notice_item_id: int
    notice_id: int
    url: str
    claimant: str
    contact: str | None
    statement: str
    received_at: datetime
    restore_at: datetime
    contested: bool
    restored_at: datetime | None
    recorded_by: str


class CounterNoticeCreate(BaseModel):
    notice_item_id: int
    claimant: str = Field(min_length=1, max_length=300)
    contact: str | None = Field(default=None, max_length=1000)
    statement: str = Field(min_length=1, max_length=10000)


class ContestCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def counter_public(row: browse.CounterRow) -> CounterNoticePublic:
    return CounterNoticePublic(
        id=row.id,
        notice_item_id=row.item_id,
        notice_id=row.notice_id,
        url=row.url,
        claimant=row.claimant,
        contact=row.contact,
        statement=row.statement,
        received_at=row.received_at,
        restore_at=row.restore_at,
        contested=row.contested,
        restored_at=row.restored_at,
        recorded_by=row.recorded_by,
    )


def _one(session: DB, principal: Principal, counter_id: int) -> CounterNoticePublic:
    row = session.execute(
        browse.counter_notices_query(principal).where(models.CounterNotice.id == counter_id)
    ).first()
    if row is None:
        raise NotVisible(f"no counter-notice {counter_id} that you may see")
    return counter_public(browse.counter_row(row))


@router.get("", response_model=Page[CounterNoticePublic], summary="Counter-notices")
def list_counter_notices(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("counter_notices.read"))],
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[CounterNoticePublic]:
    rows, following = browse.list_counter_notices(session, principal, after=after, limit=limit)
    return Page[CounterNoticePublic](
        items=[counter_public(r) for r in rows],
        next=str(request.url.include_query_params(after=following, limit=limit))
        if following
        else None,
        limit=limit,
    )


@router.get("/{counter_notice_id}", response_model=CounterNoticePublic, summary="One")
def get_counter_notice(
    session: DB,
    principal: Annotated[Principal, Depends(requires("counter_notices.read"))],
    counter_notice_id: int,
) -> CounterNoticePublic:
    return _one(session, principal, counter_notice_id)


@router.post(
    "",
    status_code=201,
    response_model=CounterNoticePublic,
    summary="Record a counter-notice received by other means",
)
def record(
    request: Request,
    principal: Annotated[Principal, Depends(requires("counter_notices.write"))],
    body: Annotated[bytes, Depends(request_body)],
    payload: CounterNoticeCreate,
) -> JSONResponse:
    container = request.app.state.container

    def create() -> tuple[int, BaseModel]:
        with container.sessions() as session, session.begin():
            counter = answers.record_counter_notice(
                session,
                container.settings.enforcement,
                principal,
                payload.notice_item_id,
                answers.CounterGrounds(
                    payload.claimant.strip(),
                    payload.statement.strip(),
                    (payload.contact or "").strip() or None,
                ),
                now=now(),
            )
            counter_id = counter.id
        with container.sessions() as session:
            return 201, _one(session, principal, counter_id)

    return idempotent(container.sessions, principal, request, body, create)


@router.post(
    "/{counter_notice_id}/contest",
    response_model=CounterNoticePublic,
    summary="Contest a counter-notice: its item is not restored",
)
def contest(
    request: Request,
    principal: Annotated[Principal, Depends(requires("counter_notices.write"))],
    counter_notice_id: int,
    payload: ContestCreate,
) -> CounterNoticePublic:
    container = request.app.state.container
    with container.sessions() as session, session.begin():
        answers.contest(session, principal, counter_notice_id, reason=payload.reason)
    with container.sessions() as session:
        return _one(session, principal, counter_notice_id)
