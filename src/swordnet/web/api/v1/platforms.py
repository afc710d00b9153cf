"""Platforms: list, open, register, change; their further sites and accounts.

``platforms.write`` is region-scoped for officers: a provincial officer registers and
changes the platforms of the province and below only. A platform's user reads its own
record. The webhook secret is write-only: answers say whether one is set."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from swordnet.domain.kinds import PlatformCategory, PlatformStatus
from swordnet.services import parties
from swordnet.services.access import Principal
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/platforms", tags=["platforms"], responses=PROBLEM_RESPONSES)

_Text = Annotated[str | None, Field(max_length=300)]


class PlatformCreate(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    domain: str = Field(min_length=1, max_length=255, description="Main domain, e.g. video.example")
    category: PlatformCategory = PlatformCategory.OTHER
    region_code: str | None = Field(default=None, max_length=32)
    operator: _Text = None
    icp_filing: str | None = Field(default=None, max_length=100)
    hosting_provider: _Text = None
    registrar: _Text = None
    notice_email: str | None = Field(default=None, max_length=320)
    notice_emails: list[Annotated[str, Field(max_length=320)]] = Field(
        default_factory=list, max_length=20
    )
    webhook_url: str | None = Field(default=None, max_length=2000)
    webhook_secret: str | None = Field(
        default=None, max_length=200, description="Write-only: signs the webhook bodies."
    )
    api_access: bool = False
    key_supervision: bool = False
    status: PlatformStatus = PlatformStatus.ACTIVE


class PlatformUpdate(BaseModel):
    """Only the fields given change; ``null`` clears an optional one."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    domain: str | None = Field(default=None, min_length=1, max_length=255)
    category: PlatformCategory | None = None
    region_code: str | None = Field(default=None, max_length=32)
    operator: _Text = None
    icp_filing: str | None = Field(default=None, max_length=100)
    hosting_provider: _Text = None
    registrar: _Text = None
    notice_email: str | None = Field(default=None, max_length=320)
    notice_emails: list[Annotated[str, Field(max_length=320)]] | None = Field(
        default=None, max_length=20
    )
    webhook_url: str | None = Field(default=None, max_length=2000)
    webhook_secret: str | None = Field(default=None, max_length=200)
    api_access: bool | None = None
    key_supervision: bool | None = None
    status: PlatformStatus | None = None


class PlatformPublic(BaseModel):
    id: int
    name: str
    domain: str
    category: PlatformCategory
    region_code: str | None
    operator: str | None
    icp_filing: str | None
    hosting_provider: str | None
    registrar: str | None
    notice_email: str | None
    notice_emails: list[str]
    webhook_url: str | None
    webhook_secret_set: bool
    api_access: bool
    key_supervision: bool
    status: PlatformStatus
    created_at: datetime


class SiteCreate(BaseModel):
    domain: str = Field(min_length=1, max_length=255)
    note: str | None = Field(default=None, max_length=2000)


class SitePublic(BaseModel):
    id: int
    platform_id: int
    domain: str
    note: str | None


class AccountCreate(BaseModel):
    account: str = Field(min_length=1, max_length=300)
    holder_id: int | None = Field(default=None, description="Its rights holder, if official.")
    label: str | None = Field(default=None, max_length=300)


class AccountPublic(BaseModel):
    id: int
    platform_id: int
    account: str
    holder_id: int | None
    label: str | None


class PlatformDetail(PlatformPublic):
    sites: list[SitePublic]
    accounts: list[AccountPublic]


def platform_public(row: models.Platform) -> PlatformPublic:
    return PlatformPublic(
        id=row.id,
        name=row.name,
        domain=row.domain,
        category=row.category,
        region_code=row.region_code,
        operator=row.operator,
        icp_filing=row.icp_filing,
        hosting_provider=row.hosting_provider,
        registrar=row.registrar,
        notice_email=row.notice_email,
        notice_emails=list(row.notice_emails or []),
        webhook_url=row.webhook_url,
        webhook_secret_set=bool(row.webhook_secret),
        api_access=row.api_access,
        key_supervision=row.key_supervision,
        status=row.status,
        created_at=row.created_at,
    )


def _site(row: models.PlatformSite) -> SitePublic:
    return SitePublic(id=row.id, platform_id=row.platform_id, domain=row.domain, note=row.note)


def _account(row: models.PartyAccount) -> AccountPublic:
    return AccountPublic(
        id=row.id,
        platform_id=row.platform_id,
        account=row.account,
        holder_id=row.holder_id,
        label=row.label,
    )


def _detail(session: Any, row: models.Platform) -> PlatformDetail:
    return PlatformDetail(
        **platform_public(row).model_dump(),
        sites=[_site(s) for s in parties.sites_of(session, row.id)],
        accounts=[_account(a) for a in parties.accounts_of(session, row.id)],
    )


Reader = Annotated[Principal, Depends(requires("platforms.read"))]
Writer = Annotated[Principal, Depends(requires("platforms.write"))]
Body = Annotated[bytes, Depends(request_body)]


@router.get("", response_model=Page[PlatformPublic], summary="Platforms the caller may see")
def list_platforms(
    request: Request,
    session: DB,
    principal: Reader,
    page: Annotated[PageQuery, Depends()],
    category: PlatformCategory | None = None,
    region_code: Annotated[
        str | None, Query(max_length=32, description="This region and below.")
    ] = None,
    key_supervision: bool | None = None,
    status: PlatformStatus | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of name or domain.")] = None,
) -> Page[PlatformPublic]:
    stmt = parties.platforms_query(
        principal,
        category=category.value if category else None,
        region_code=region_code,
        key_supervision=key_supervision,
        status=status.value if status else None,
        search=q,
    )
    return paginate(session, request, stmt, models.Platform.id, page, platform_public)


@router.get("/{platform_id}", response_model=PlatformDetail, summary="One platform")
def get_platform(platform_id: int, session: DB, principal: Reader) -> PlatformDetail:
    return _detail(session, parties.get_platform(session, platform_id, principal=principal))


@router.post("", status_code=201, response_model=PlatformDetail, summary="Register a platform")
def create_platform(
    request: Request, principal: Writer, body: PlatformCreate, raw: Body
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            row = parties.register_platform(
                session, body.model_dump(), actor=principal.username, principal=principal
            )
            return 201, _detail(session, row)

    return idempotent(sessions, principal, request, raw, create)


@router.patch("/{platform_id}", response_model=PlatformDetail, summary="Change a platform")
def update_platform(
    platform_id: int, request: Request, principal: Writer, body: PlatformUpdate
) -> PlatformDetail:
    with request.app.state.container.sessions() as session, session.begin():
        row = parties.update_platform(
            session,
            platform_id,
            body.model_dump(exclude_unset=True),
            actor=principal.username,
            principal=principal,
        )
        return _detail(session, row)


@router.post(
    "/{platform_id}/sites",
    status_code=201,
    response_model=SitePublic,
    summary="Record a further domain of the platform",
)
def add_site(
    platform_id: int, request: Request, principal: Writer, body: SiteCreate, raw: Body
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            row = parties.add_site(
                session,
                platform_id,
                body.domain,
                note=body.note,
                actor=principal.username,
                principal=principal,
            )
            return 201, _site(row)

    return idempotent(sessions, principal, request, raw, create)


@router.post(
    "/{platform_id}/accounts",
    status_code=201,
    response_model=AccountPublic,
    summary="Record an account on the platform",
)
def add_account(
    platform_id: int, request: Request, principal: Writer, body: AccountCreate, raw: Body
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        with sessions() as session, session.begin():
            row = parties.add_account(
                session,
                platform_id,
                body.account,
                holder_id=body.holder_id,
                label=body.label,
                actor=principal.username,
                principal=principal,
            )
            return 201, _account(row)

    return idempotent(sessions, principal, request, raw, create)
