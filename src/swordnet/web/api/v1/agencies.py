"""Agencies: copyright administrations, the cyberspace and telecom regulators, police."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from swordnet.domain.kinds import AgencyKind
from swordnet.services import parties
from swordnet.services.access import Principal
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/agencies", tags=["agencies"], responses=PROBLEM_RESPONSES)


class AgencyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    kind: AgencyKind
    region_code: str = Field(min_length=1, max_length=32)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=2000)


class AgencyUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    kind: AgencyKind | None = None
    region_code: str | None = Field(default=None, min_length=1, max_length=32)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=2000)


class AgencyPublic(BaseModel):
    id: int
    name: str
    name_en: str | None
    kind: AgencyKind
    region_code: str
    email: str | None
    phone: str | None
    address: str | None
    created_at: datetime


def agency_public(row: models.Agency) -> AgencyPublic:
    return AgencyPublic(
        id=row.id,
        name=row.name,
        name_en=row.name_en,
        kind=row.kind,
        region_code=row.region_code,
        email=row.email,
        phone=row.phone,
        address=row.address,
        created_at=row.created_at,
    )


Reader = Annotated[Principal, Depends(requires("agencies.read"))]
Writer = Annotated[Principal, Depends(requires("agencies.write"))]


@router.get("", response_model=Page[AgencyPublic], summary="Agencies")
def list_agencies(
    request: Request,
    session: DB,
    principal: Reader,
    page: Annotated[PageQuery, Depends()],
    kind: AgencyKind | None = None,
    region_code: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[AgencyPublic]:
    stmt = parties.agencies_query(
        principal, kind=kind.value if kind else None, region_code=region_code
    )
    return paginate(session, request, stmt, models.Agency.id, page, agency_public)


@router.get("/{agency_id}", response_model=AgencyPublic, summary="One agency")
def get_agency(agency_id: int, session: DB, principal: Reader) -> AgencyPublic:
    return agency_public(parties.get_agency(session, agency_id, principal=principal))


@router.post("", status_code=201, response_model=AgencyPublic, summary="Register an agency")
def create_agency(
    request: Request,
    principal: Writer,
    body: AgencyCreate,
    raw: Annotated[bytes, Depends(request_body)],
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            row = parties.register_agency(
                session, body.model_dump(), actor=principal.username, principal=principal
            )
            return 201, agency_public(row)

    return idempotent(sessions, principal, request, raw, create)


@router.patch("/{agency_id}", response_model=AgencyPublic, summary="Change an agency")
def update_agency(
    agency_id: int, request: Request, principal: Writer, body: AgencyUpdate
) -> AgencyPublic:
    with request.app.state.container.sessions() as session, session.begin():
        row = parties.update_agency(
            session,
            agency_id,
            body.model_dump(exclude_unset=True),
            actor=principal.username,
            principal=principal,
        )
        return agency_public(row)
