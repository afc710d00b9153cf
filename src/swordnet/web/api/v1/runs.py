"""Crawl runs of monitoring targets, with their failures and the reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from swordnet.services import target_admin
from swordnet.services.access import Principal, one_visible, visible
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, paginate
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/runs", tags=["targets"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(requires("targets.read"))]


class RunPublic(BaseModel):
    id: int
    target_id: int | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    pages: int
    bytes: int
    failures: int
    refused: int
    detections: int
    note: str | None


class FailurePublic(BaseModel):
    url: str
    state: str
    reason: str


class RunDetailPublic(RunPublic):
    failure_list: list[FailurePublic]


def run_public(r: models.CrawlRun) -> RunPublic:
    return RunPublic(
        id=r.id,
        target_id=r.target_id,
        status=r.status,
        started_at=r.started_at,
        finished_at=r.finished_at,
        pages=r.pages,
        bytes=r.bytes,
        failures=r.failures,
        refused=r.refused,
        detections=r.detections,
        note=r.note,
    )


@router.get("", response_model=Page[RunPublic], summary="Crawl runs, newest first")
def list_runs(
    request: Request,
    session: DB,
    principal: Reader,
    page: Annotated[PageQuery, Depends()],
    target_id: Annotated[int | None, Query()] = None,
) -> Page[RunPublic]:
    stmt = visible(select(models.CrawlRun), principal, "targets.read", "run")
    if target_id is not None:
        stmt = stmt.where(models.CrawlRun.target_id == target_id)
    return paginate(session, request, stmt, models.CrawlRun.id, page, run_public)


@router.get("/{run_id}", response_model=RunDetailPublic, summary="A run and its failures")
def get_run(session: DB, principal: Reader, run_id: int) -> RunDetailPublic:
    run = one_visible(session, principal, "targets.read", "run", run_id)
    failures = [
        FailurePublic(url=f.url, state=f.state, reason=f.reason)
        for f in target_admin.run_failures(session, run_id)
    ]
    return RunDetailPublic(**run_public(run).model_dump(), failure_list=failures)
