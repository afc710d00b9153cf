"""User accounts: list, read, create (the generated password answered once), change,
deactivate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from swordnet.domain.kinds import Role
from swordnet.services import accounts
from swordnet.services.access import Principal
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.deps import DB, now, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/users", tags=["users"], responses=PROBLEM_RESPONSES)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str | None
    email: str | None
    role: Role
    active: bool
    agency_id: int | None
    region_code: str | None
    holder_id: int | None
    platform_id: int | None
    oidc_subject: str | None
    second_factor_enrolled: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: models.User) -> UserPublic:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            role=user.role,
            active=user.active,
            agency_id=user.agency_id,
            region_code=user.region_code,
            holder_id=user.holder_id,
            platform_id=user.platform_id,
            oidc_subject=user.oidc_subject,
            second_factor_enrolled=user.totp_enabled_at is not None,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    agency_id: int | None = None
    region_code: str | None = Field(
        default=None, max_length=32, description="Default: the agency's region."
    )
    holder_id: int | None = None
    platform_id: int | None = None


class UserCreated(BaseModel):
    user: UserPublic
    password: str = Field(description="The generated password; it is shown only this once.")


class UserUpdate(BaseModel):
    """Fields left out stay as they are; the membership is given whole when the role or
    any part of it changes."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    agency_id: int | None = None
    region_code: str | None = Field(default=None, max_length=32)
    holder_id: int | None = None
    platform_id: int | None = None
    oidc_subject: str | None = Field(
        default=None, max_length=300, description='"<issuer>|<sub>"; an empty string unlinks.'
    )


class AccountChangePublic(BaseModel):
    user: UserPublic
    sessions_ended: int
    tokens_revoked: int


def _membership_fields(body: UserCreate | UserUpdate) -> accounts.Membership:
    return accounts.Membership(
        agency_id=body.agency_id,
        region_code=body.region_code,
        holder_id=body.holder_id,
        platform_id=body.platform_id,
    )


@router.get("", response_model=Page[UserPublic], summary="The accounts you may see")
def list_users(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("users.read"))],
    page: Annotated[PageQuery, Depends()],
    role: Role | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    active: bool | None = None,
) -> Page[UserPublic]:
    stmt = accounts.accounts_query(principal, role=role, text=q, active=active)
    return paginate(session, request, stmt, models.User.id, page, UserPublic.of)


@router.get("/{user_id}", response_model=UserPublic, summary="One account")
def get_user(
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.read"))],
) -> UserPublic:
    return UserPublic.of(accounts.get_account(session, principal, user_id))


@router.post(
    "",
    status_code=201,
    response_model=UserCreated,
    summary="Create an account (its generated password is answered once)",
)
def create_user(
    request: Request,
    body: UserCreate,
    raw: Annotated[bytes, Depends(request_body)],
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> object:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        created = accounts.create_account(
            sessions,
            body.username,
            body.role,
            _membership_fields(body),
            actor=principal,
            display_name=body.display_name,
            email=body.email,
        )
        with sessions() as session:
            user = accounts.get_account(session, principal, created.user_id)
            assert created.password is not None
            return 201, UserCreated(user=UserPublic.of(user), password=created.password)

    return idempotent(sessions, principal, request, raw, create)


@router.patch("/{user_id}", response_model=AccountChangePublic, summary="Change an account")
def update_user(
    request: Request,
    session: DB,
    user_id: int,
    body: UserUpdate,
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> AccountChangePublic:
    sessions = request.app.state.container.sessions
    given = body.model_fields_set
    member = None
    if given & {"agency_id", "region_code", "holder_id", "platform_id", "role"}:
        member = _membership_fields(body)
    changed = accounts.update_account(
        sessions,
        user_id,
        actor=principal,
        now=now(),
        role=body.role,
        member=member,
        display_name=body.display_name if "display_name" in given else None,
        email=body.email if "email" in given else None,
    )
    if "oidc_subject" in given:
        accounts.link_oidc(sessions, user_id, body.oidc_subject or None, actor=principal)
    session.expire_all()
    return AccountChangePublic(
        user=UserPublic.of(accounts.get_account(session, principal, user_id)),
        sessions_ended=changed.sessions_ended,
        tokens_revoked=changed.tokens_revoked,
    )


@router.post(
    "/{user_id}/deactivate",
    response_model=AccountChangePublic,
    summary="Deactivate an account: its sessions end, its API tokens are revoked",
)
def deactivate_user(
    request: Request,
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> AccountChangePublic:
    changed = accounts.deactivate_account(
        request.app.state.container.sessions, user_id, actor=principal, now=now()
    )
    session.expire_all()
    return AccountChangePublic(
        user=UserPublic.of(accounts.get_account(session, principal, user_id)),
        sessions_ended=changed.sessions_ended,
        tokens_revoked=changed.tokens_revoked,
    )
