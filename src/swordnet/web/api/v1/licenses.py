"""Licences: who may use a work, where and until when. Declaring one decides again the
work's unnoticed detections (they may be authorised now)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from swordnet.services.access import Principal, one_visible, visible
from swordnet.services.licenses import LicenseTerms, add_license
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/licenses", tags=["licenses"], responses=PROBLEM_RESPONSES)


class LicenseCreate(BaseModel):
    work_id: int
    licensee: str = Field(min_length=1, max_length=300)
    domains: list[str] = Field(default_factory=list)
    platform_ids: list[int] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    territory: list[str] = Field(
        default_factory=list, description="ISO 3166 codes; empty: the world"
    )
    rights: list[str] = Field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    document_ref: str | None = None


class LicensePublic(BaseModel):
    id: int
    work_id: int
    licensee: str
    domains: list[str]
    platform_ids: list[int]
    accounts: list[str]
    territory: list[str]
    rights: list[str]
    starts_on: date | None
    ends_on: date | None
    document_ref: str | None
    created_at: datetime


class LicenseAdded(BaseModel):
    license: LicensePublic
    authorised: int = Field(description="Detections the licence authorised at once.")


def to_public(row: models.License) -> LicensePublic:
    return LicensePublic(
        id=row.id,
        work_id=row.work_id,
        licensee=row.licensee,
        domains=list(row.domains),
        platform_ids=list(row.platform_ids),
        accounts=list(row.accounts),
        territory=list(row.territory),
        rights=list(row.rights),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        document_ref=row.document_ref,
        created_at=row.created_at,
    )


@router.get("", response_model=Page[LicensePublic], summary="Licences, newest first")
def list_licenses(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("licenses.read"))],
    page: Annotated[PageQuery, Depends()],
    work_id: Annotated[int | None, Query()] = None,
) -> Page[LicensePublic]:
    stmt = visible(select(models.License), principal, "licenses.read", "license")
    if work_id is not None:
        stmt = stmt.where(models.License.work_id == work_id)
    return paginate(session, request, stmt, models.License.id, page, to_public)


@router.post("", status_code=201, response_model=LicenseAdded, summary="Declare a licence")
def create_license(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("licenses.write"))],
    body: LicenseCreate,
    raw: Annotated[bytes, Depends(request_body)],
) -> JSONResponse:
    one_visible(session, principal, "licenses.write", "work", body.work_id)
    session.rollback()
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, LicenseAdded]:
        added = add_license(
            sessions,
            LicenseTerms(**body.model_dump()),
            actor=principal.username,
        )
        with sessions() as fresh:
            row = fresh.get_one(models.License, added.id)
            return 201, LicenseAdded(license=to_public(row), authorised=added.authorised)

    return idempotent(sessions, principal, request, raw, create)
