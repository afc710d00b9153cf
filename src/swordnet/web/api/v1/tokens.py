"""API tokens: your own (an administrator sees every one), create, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from swordnet.services import credentials
from swordnet.services.access import NotVisible, Principal
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.deps import DB, now, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=PROBLEM_RESPONSES)


class TokenPublic(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str = Field(description="Names the token (swn_<prefix>_...) without revealing it.")
    scopes: list[str]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: models.ApiToken) -> TokenPublic:
        return cls(
            id=row.id,
            user_id=row.user_id,
            name=row.name,
            prefix=row.prefix,
            scopes=list(row.scopes),
            created_by=row.created_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(
        min_length=1, description="Policy actions your role is granted (see GET /me)."
    )
    days: int | None = Field(default=365, ge=1, le=3650, description="Null: never expires.")


class TokenCreated(BaseModel):
    token: TokenPublic
    secret: str = Field(description="The token to send as a Bearer; shown only this once.")


@router.get("", response_model=Page[TokenPublic], summary="Your API tokens")
def list_tokens(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("tokens.read"))],
    page: Annotated[PageQuery, Depends()],
) -> Page[TokenPublic]:
    stmt = credentials.tokens_query(principal)
    return paginate(session, request, stmt, models.ApiToken.id, page, TokenPublic.of)


@router.post(
    "",
    status_code=201,
    response_model=TokenCreated,
    summary="Create a token for yourself (the secret is answered once)",
)
def create_token(
    request: Request,
    body: TokenCreate,
    raw: Annotated[bytes, Depends(request_body)],
    principal: Annotated[Principal, Depends(requires("tokens.write"))],
) -> object:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, BaseModel]:
        token_id, secret = credentials.create_own_token(
            sessions, principal, name=body.name, scopes=body.scopes, now=now(), days=body.days
        )
        with sessions() as session:
            row = session.get(models.ApiToken, token_id)
            assert row is not None
            return 201, TokenCreated(token=TokenPublic.of(row), secret=secret)

    return idempotent(sessions, principal, request, raw, create)


@router.post("/{token_id}/revoke", response_model=TokenPublic, summary="Revoke a token")
def revoke_token(
    request: Request,
    session: DB,
    token_id: int,
    principal: Annotated[Principal, Depends(requires("tokens.write"))],
) -> TokenPublic:
    credentials.revoke_visible_token(
        request.app.state.container.sessions, principal, token_id, now=now()
    )
    row = session.get(models.ApiToken, token_id)
    if row is None:
        raise NotVisible(f"no token {token_id} that you may see")
    session.refresh(row)
    return TokenPublic.of(row)
