"""Who the caller is, and what the policy lets them do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from swordnet.domain.policy import POLICY
from swordnet.web.deps import Caller, signed_in
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/me", tags=["account"], responses=PROBLEM_RESPONSES)


class MePublic(BaseModel):
    id: int
    username: str
    role: str
    agency_id: int | None
    region_code: str | None
    holder_id: int | None
    platform_id: int | None
    # action -> scope ("all", "region", "holder", "platform", "referred", "self")
    actions: dict[str, str]
    token_scopes: list[str] | None


@router.get("", response_model=MePublic, summary="The caller and what they may do")
def me(caller: Annotated[Caller, Depends(signed_in())]) -> MePublic:
    principal = caller.principal
    assert principal is not None
    actions = {
        action: scope.value
        for action, scope in POLICY[principal.role].items()
        if principal.token_scopes is None or action in principal.token_scopes
    }
    return MePublic(
        id=principal.user_id,
        username=principal.username,
        role=principal.role.value,
        agency_id=principal.agency_id,
        region_code=principal.region_code,
        holder_id=principal.holder_id,
        platform_id=principal.platform_id,
        actions=actions,
        token_scopes=sorted(principal.token_scopes) if principal.token_scopes else None,
    )
