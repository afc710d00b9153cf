"""Referrals of cases to partner agencies: a partner's inbox (its agency's referrals), and
its answers: accept, ask for more, record the outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from swordnet.domain.cases import ReferralOutcome, ReferralStatus
from swordnet.services.access import Principal
from swordnet.services.cases import referrals, views
from swordnet.web.api.common import MAX_LIMIT, Page
from swordnet.web.api.v1.cases import ReferralPublic, referral_public
from swordnet.web.deps import DB, now, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/referrals", tags=["referrals"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(requires("referrals.read"))]
Answerer = Annotated[Principal, Depends(requires("referrals.answer"))]


class MoreIn(BaseModel):
    message: str = Field(min_length=1, max_length=5000)


class OutcomeIn(BaseModel):
    outcome: ReferralOutcome
    text: str = Field(min_length=1, max_length=5000)


@router.get("", response_model=Page[ReferralPublic], summary="Referrals the caller may see")
def list_referrals(
    request: Request,
    session: DB,
    principal: Reader,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    status: ReferralStatus | None = None,
) -> Page[ReferralPublic]:
    rows, following = views.list_referrals(
        session, principal, status=status.value if status else None, after=after, limit=limit
    )
    return Page[ReferralPublic](
        items=[referral_public(r.referral, r.agency_name) for r in rows],
        next=str(request.url.include_query_params(after=following, limit=limit))
        if following
        else None,
        limit=limit,
    )


@router.get("/{referral_id}", response_model=ReferralPublic, summary="One referral")
def get_referral(session: DB, principal: Reader, referral_id: int) -> ReferralPublic:
    row = views.referral_row(session, principal, referral_id)
    return referral_public(row.referral, row.agency_name)


def _answer(request: Request, principal: Principal, referral_id: int) -> ReferralPublic:
    with request.app.state.container.sessions() as session:
        row = views.referral_row(session, principal, referral_id)
        return referral_public(row.referral, row.agency_name)


@router.post("/{referral_id}/accept", response_model=ReferralPublic, summary="Accept")
def accept(request: Request, principal: Answerer, referral_id: int) -> ReferralPublic:
    with request.app.state.container.sessions() as session, session.begin():
        referrals.accept(session, principal, referral_id, now=now())
    return _answer(request, principal, referral_id)


@router.post("/{referral_id}/request-more", response_model=ReferralPublic, summary="Ask for more")
def request_more(
    request: Request, principal: Answerer, referral_id: int, body: MoreIn
) -> ReferralPublic:
    with request.app.state.container.sessions() as session, session.begin():
        referrals.request_more(session, principal, referral_id, message=body.message, now=now())
    return _answer(request, principal, referral_id)


@router.post("/{referral_id}/outcome", response_model=ReferralPublic, summary="Record the outcome")
def outcome(
    request: Request, principal: Answerer, referral_id: int, body: OutcomeIn
) -> ReferralPublic:
    with request.app.state.container.sessions() as session, session.begin():
        referrals.record_outcome(
            session, principal, referral_id, outcome=body.outcome, text=body.text, now=now()
        )
    return _answer(request, principal, referral_id)
