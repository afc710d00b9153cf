"""The audit trail, searched (pages) or exported whole (NDJSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from swordnet.services import audit_log
from swordnet.services.access import Principal
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, paginate, stream_ndjson
from swordnet.web.deps import DB, requires
from swordnet.web.pages.audit import AuditSearch
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditEventPublic(BaseModel):
    id: int
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str | None
    entity_id: int | None
    data: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: models.AuditEvent) -> AuditEventPublic:
        return cls(
            id=row.id,
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            data=row.data,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )


@router.get("", response_model=Page[AuditEventPublic], summary="Search the audit trail")
def search(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("audit.read"))],
    search: Annotated[AuditSearch, Depends()],
    page: Annotated[PageQuery, Depends()],
) -> Page[AuditEventPublic]:
    stmt = audit_log.audit_query(principal, search.filters)
    return paginate(session, request, stmt, models.AuditEvent.id, page, AuditEventPublic.of)


@router.get(
    "/export",
    summary="Every matching event, oldest first, one JSON object per line",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(
    request: Request,
    principal: Annotated[Principal, Depends(requires("audit.read"))],
    search: Annotated[AuditSearch, Depends()],
) -> StreamingResponse:
    stmt = audit_log.audit_query(principal, search.filters).order_by(models.AuditEvent.seq)
    return stream_ndjson(request.app.state.container.sessions, stmt, AuditEventPublic.of)
