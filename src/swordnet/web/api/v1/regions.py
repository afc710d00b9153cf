"""Regions: the hierarchy visibility follows. Listed by path (parents before children),
paged by the last path seen; an administrator adds one or imports a CSV file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from swordnet.services import parties
from swordnet.services.access import Principal
from swordnet.storage import models
from swordnet.web.api.common import MAX_LIMIT, idempotent, request_body
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/regions", tags=["regions"], responses=PROBLEM_RESPONSES)

MAX_CSV_BYTES = 8 * 1024 * 1024


class RegionCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    parent_code: str | None = Field(default=None, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)


class RegionPublic(BaseModel):
    code: str
    parent_code: str | None
    name: str
    name_en: str | None
    level: int
    path: str


class RegionPage(BaseModel):
    items: list[RegionPublic]
    next: str | None = Field(description="The next page's URL, absent on the last page.")
    limit: int


class ImportPublic(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: int


def region_public(row: models.Region) -> RegionPublic:
    return RegionPublic(
        code=row.code,
        parent_code=row.parent_code,
        name=row.name,
        name_en=row.name_en,
        level=row.level,
        path=row.path,
    )


Reader = Annotated[Principal, Depends(requires("regions.read"))]
Writer = Annotated[Principal, Depends(requires("regions.write"))]


@router.get("", response_model=RegionPage, summary="Regions, parents before children")
def list_regions(
    request: Request,
    session: DB,
    _principal: Reader,
    parent_code: Annotated[str | None, Query(max_length=32, description="Its children.")] = None,
    under: Annotated[
        str | None, Query(max_length=32, description="This region and below (a code).")
    ] = None,
    after: Annotated[str | None, Query(max_length=400, description="The last path seen.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> RegionPage:
    rows = parties.regions_page(
        session, parent_code=parent_code, under=under, after_path=after, limit=limit + 1
    )
    following = None
    if len(rows) > limit:
        following = str(request.url.include_query_params(after=rows[limit - 1].path, limit=limit))
    return RegionPage(items=[region_public(r) for r in rows[:limit]], next=following, limit=limit)


@router.get("/{region_code}", response_model=RegionPublic, summary="One region")
def get_region(region_code: str, session: DB, _principal: Reader) -> RegionPublic:
    return region_public(parties.get_region(session, region_code))


@router.post("", status_code=201, response_model=RegionPublic, summary="Add a region")
def create_region(
    request: Request,
    principal: Writer,
    body: RegionCreate,
    raw: Annotated[bytes, Depends(request_body)],
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            row = parties.create_region(
                session,
                code=body.code,
                name=body.name,
                parent_code=body.parent_code,
                name_en=body.name_en,
                actor=principal.username,
            )
            return 201, region_public(row)

    return idempotent(sessions, principal, request, raw, create)


@router.post(
    "/import",
    response_model=ImportPublic,
    summary="Import regions from CSV (code,parent_code,name,name_en), all or nothing",
)
def import_regions(
    request: Request, principal: Writer, file: Annotated[UploadFile, File()]
) -> ImportPublic:
    data = file.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise parties.PartyError(f"the file is larger than {MAX_CSV_BYTES} bytes; split it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise parties.PartyError("the file is not UTF-8 text: save it as UTF-8") from None
    with request.app.state.container.sessions() as session, session.begin():
        report = parties.import_regions(session, text, actor=principal.username)
    return ImportPublic(created=report.created, updated=report.updated, unchanged=report.unchanged)
