"""Pre-warning lists: list and one as the caller may see them (a platform: the lists sent
to it, with its own acknowledgement), publish (officers), acknowledge (platforms)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from swordnet.services.access import Principal
from swordnet.services.enforcement import answers, browse
from swordnet.services.enforcement.prewarning import publish_and_send
from swordnet.web.api.common import MAX_LIMIT, Page, idempotent, request_body
from swordnet.web.deps import DB, now, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/prewarning", tags=["prewarning"], responses=PROBLEM_RESPONSES)


class PrewarningWork(BaseModel):
    id: int
    title: str


class PrewarningRecipientPublic(BaseModel):
    platform_id: int
    platform_name: str
    sent_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None


class PrewarningPublic(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    published_by: str
    published_at: datetime
    works: list[PrewarningWork]
    recipients: list[PrewarningRecipientPublic]


class PrewarningCreate(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    work_ids: list[int] = Field(min_length=1, max_length=1000)
    platform_ids: list[int] = Field(min_length=1, max_length=1000)
    starts_at: datetime
    ends_at: datetime
    send: bool = Field(default=True, description="E-mail the list to the platforms now.")

    @model_validator(mode="after")
    def _window(self) -> PrewarningCreate:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("give the window's times with their UTC offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("the protection window must end after it starts")
        return self


class AcknowledgeCreate(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


def prewarning_public(row: browse.PrewarningRow) -> PrewarningPublic:
    return PrewarningPublic(
        id=row.id,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        published_by=row.published_by,
        published_at=row.published_at,
        works=[PrewarningWork(id=wid, title=title) for wid, title in row.works],
        recipients=[
            PrewarningRecipientPublic(
                platform_id=r.platform_id,
                platform_name=r.platform_name,
                sent_at=r.sent_at,
                acknowledged_at=r.acknowledged_at,
                acknowledged_by=r.acknowledged_by,
                note=r.note,
            )
            for r in row.recipients
        ],
    )


@router.get("", response_model=Page[PrewarningPublic], summary="Pre-warning lists")
def list_lists(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("prewarning.read"))],
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[PrewarningPublic]:
    rows, following = browse.list_prewarning(session, principal, after=after, limit=limit)
    return Page[PrewarningPublic](
        items=[prewarning_public(r) for r in rows],
        next=str(request.url.include_query_params(after=following, limit=limit))
        if following
        else None,
        limit=limit,
    )


@router.get("/{prewarning_list_id}", response_model=PrewarningPublic, summary="One list")
def get_list(
    session: DB,
    principal: Annotated[Principal, Depends(requires("prewarning.read"))],
    prewarning_list_id: int,
) -> PrewarningPublic:
    return prewarning_public(browse.get_prewarning(session, principal, prewarning_list_id))


@router.post("", status_code=201, response_model=PrewarningPublic, summary="Publish a list")
def publish(
    request: Request,
    principal: Annotated[Principal, Depends(requires("prewarning.write"))],
    body: Annotated[bytes, Depends(request_body)],
    payload: PrewarningCreate,
) -> JSONResponse:
    container = request.app.state.container
    settings = container.settings

    def create() -> tuple[int, BaseModel]:
        published = publish_and_send(
            container.sessions,
            container.notifier("smtp") if payload.send else None,
            title=payload.title.strip(),
            work_ids=payload.work_ids,
            platform_ids=payload.platform_ids,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            feed_dir=settings.home / "prewarning",
            sender=settings.enforcement.sender,
            language=settings.enforcement.language,
            actor=principal.username,
            now=now(),
        )
        with container.sessions() as session:
            return 201, prewarning_public(browse.get_prewarning(session, principal, published.id))

    return idempotent(container.sessions, principal, request, body, create)


@router.post(
    "/{prewarning_list_id}/acknowledge",
    response_model=PrewarningPublic,
    summary="The platform acknowledges a list sent to it",
)
def acknowledge(
    request: Request,
    principal: Annotated[Principal, Depends(requires("prewarning.acknowledge"))],
    prewarning_list_id: int,
    payload: AcknowledgeCreate,
) -> PrewarningPublic:
    container = request.app.state.container
    with container.sessions() as session, session.begin():
        answers.acknowledge_list(
            session, principal, prewarning_list_id, note=payload.note, now=now()
        )
    with container.sessions() as session:
        return prewarning_public(browse.get_prewarning(session, principal, prewarning_list_id))
