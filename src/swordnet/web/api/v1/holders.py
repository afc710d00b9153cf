"""Rights holders and collective management organisations, with their agents.

A rights holder's user reads and changes its own record only; officers and admins may
register new ones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from swordnet.domain.kinds import HolderKind
from swordnet.services import parties
from swordnet.services.access import Principal
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/holders", tags=["holders"], responses=PROBLEM_RESPONSES)

_Short = Annotated[str | None, Field(max_length=200)]


class Agent(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    mandate: str | None = Field(default=None, max_length=1000)
    valid_until: date | None = None


class HolderCreate(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    kind: HolderKind = HolderKind.RIGHTS_HOLDER
    contact_name: _Short = None
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=2000)
    country: str | None = Field(default=None, max_length=2)
    region_code: str | None = Field(default=None, max_length=32)
    website: str | None = Field(default=None, max_length=2000)
    agents: list[Agent] = Field(default_factory=list, max_length=50)


class HolderUpdate(BaseModel):
    """Only the fields given change; ``null`` clears an optional one; ``agents`` replaces
    the list."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    kind: HolderKind | None = None
    contact_name: _Short = None
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=2000)
    country: str | None = Field(default=None, max_length=2)
    region_code: str | None = Field(default=None, max_length=32)
    website: str | None = Field(default=None, max_length=2000)
    agents: list[Agent] | None = Field(default=None, max_length=50)


class AgentPublic(BaseModel):
    name: str
    email: str | None = None
    phone: str | None = None
    mandate: str | None = None
    valid_until: str | None = None


class HolderPublic(BaseModel):
    id: int
    name: str
    kind: HolderKind
    contact_name: str | None
    email: str | None
    phone: str | None
    address: str | None
    country: str | None
    region_code: str | None
    website: str | None
    agents: list[AgentPublic]
    created_at: datetime


def holder_public(row: models.RightsHolder) -> HolderPublic:
    return HolderPublic(
        id=row.id,
        name=row.name,
        kind=row.kind,
        contact_name=row.contact_name,
        email=row.email,
        phone=row.phone,
        address=row.address,
        country=row.country,
        region_code=row.region_code,
        website=row.website,
        agents=[AgentPublic(**agent) for agent in row.agents or []],
        created_at=row.created_at,
    )


Reader = Annotated[Principal, Depends(requires("holders.read"))]
Writer = Annotated[Principal, Depends(requires("holders.write"))]
Body = Annotated[bytes, Depends(request_body)]


@router.get("", response_model=Page[HolderPublic], summary="Rights holders the caller may see")
def list_holders(
    request: Request,
    session: DB,
    principal: Reader,
    page: Annotated[PageQuery, Depends()],
    kind: HolderKind | None = None,
    region_code: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
) -> Page[HolderPublic]:
    stmt = parties.holders_query(
        principal, kind=kind.value if kind else None, region_code=region_code, search=q
    )
    return paginate(session, request, stmt, models.RightsHolder.id, page, holder_public)


@router.get("/{holder_id}", response_model=HolderPublic, summary="One rights holder")
def get_holder(holder_id: int, session: DB, principal: Reader) -> HolderPublic:
    return holder_public(parties.get_holder(session, holder_id, principal=principal))


@router.post("", status_code=201, response_model=HolderPublic, summary="Register a holder")
def create_holder(
    request: Request, principal: Writer, body: HolderCreate, raw: Body
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            row = parties.register_holder(
                session, body.model_dump(), actor=principal.username, principal=principal
            )
            return 201, holder_public(row)

    return idempotent(sessions, principal, request, raw, create)


@router.patch("/{holder_id}", response_model=HolderPublic, summary="Change a rights holder")
def update_holder(
    holder_id: int, request: Request, principal: Writer, body: HolderUpdate
) -> HolderPublic:
    with request.app.state.container.sessions() as session, session.begin():
        row = parties.update_holder(
            session,
            holder_id,
            body.model_dump(exclude_unset=True),
            actor=principal.username,
            principal=principal,
        )
        return holder_public(row)


@router.post(
    "/{holder_id}/agents",
    status_code=201,
    response_model=HolderPublic,
    summary="Add an agent authorised to act for the holder",
)
def add_agent(
    holder_id: int, request: Request, principal: Writer, body: Agent, raw: Body
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            row = parties.add_agent(
                session, holder_id, body.model_dump(), actor=principal.username, principal=principal
            )
            return 201, holder_public(row)

    return idempotent(sessions, principal, request, raw, create)
