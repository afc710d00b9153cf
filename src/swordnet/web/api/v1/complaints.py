"""Complaints: a rights holder reports a copy of one of its works; stored as a tip for an
officer to triage, audited under the holder's user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from swordnet.services.access import Principal
from swordnet.services.enforcement import answers
from swordnet.web.api.common import idempotent, request_body
from swordnet.web.deps import now, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/complaints", tags=["complaints"], responses=PROBLEM_RESPONSES)


class ComplaintCreate(BaseModel):
    url: str = Field(min_length=1, max_length=2000, description="The http(s) address of the copy.")
    work_id: int = Field(description="The caller's work it copies.")
    description: str | None = Field(default=None, max_length=5000)


class ComplaintPublic(BaseModel):
    id: int
    url: str
    work_title: str | None
    status: str
    received_at: datetime


@router.post("", status_code=201, response_model=ComplaintPublic, summary="File a complaint")
def file_complaint(
    request: Request,
    principal: Annotated[Principal, Depends(requires("complaints.write"))],
    body: Annotated[bytes, Depends(request_body)],
    payload: ComplaintCreate,
) -> JSONResponse:
    container = request.app.state.container

    def create() -> tuple[int, BaseModel]:
        with container.sessions() as session, session.begin():
            tip = answers.file_complaint(
                session,
                principal,
                url=payload.url,
                work_id=payload.work_id,
                description=payload.description,
                now=now(),
            )
            return 201, ComplaintPublic(
                id=tip.id,
                url=tip.url,
                work_title=tip.work_title,
                status=tip.status.value,
                received_at=tip.received_at,
            )

    return idempotent(container.sessions, principal, request, body, create)
