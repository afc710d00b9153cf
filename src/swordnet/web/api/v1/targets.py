"""Monitoring targets: list, open, add, change, pause, remove, and run now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from swordnet.services import target_admin
from swordnet.services.access import Principal, visible
from swordnet.services.monitoring import TargetSpec, add_target
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.api.v1.runs import RunPublic, run_public
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/targets", tags=["targets"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(requires("targets.read"))]
Writer = Annotated[Principal, Depends(requires("targets.write"))]


class TargetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    seeds: list[str] = Field(default_factory=list, max_length=1000)
    sitemap_url: str | None = None
    query_template: str | None = Field(default=None, description="A search URL with {query}.")
    interval_s: int = Field(default=86400, ge=60)
    max_pages: int = Field(default=500, ge=1)
    max_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    max_depth: int = Field(default=5, ge=0)
    max_seconds: int = Field(default=3600, ge=1)
    obey_robots: bool = True


class TargetUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    seeds: list[str] | None = None
    sitemap_url: str | None = None
    query_template: str | None = None
    interval_s: int | None = Field(default=None, ge=60)
    max_pages: int | None = Field(default=None, ge=1)
    max_bytes: int | None = Field(default=None, ge=1)
    max_depth: int | None = Field(default=None, ge=0)
    max_seconds: int | None = Field(default=None, ge=1)
    obey_robots: bool | None = None
    enabled: bool | None = Field(default=None, description="False pauses the target.")


class TargetPublic(BaseModel):
    id: int
    name: str
    seeds: list[str]
    sitemap_url: str | None
    query_template: str | None
    interval_s: int
    max_pages: int
    max_bytes: int
    max_depth: int
    max_seconds: int
    obey_robots: bool
    enabled: bool
    region_code: str | None
    platform_id: int | None
    last_run_at: datetime | None
    next_run_at: datetime | None
    created_at: datetime


class RunRequested(BaseModel):
    target_id: int
    started: bool


def to_public(t: models.MonitoringTarget) -> TargetPublic:
    return TargetPublic(
        id=t.id,
        name=t.name,
        seeds=list(t.seeds),
        sitemap_url=t.sitemap_url,
        query_template=t.query_template,
        interval_s=t.interval_s,
        max_pages=t.max_pages,
        max_bytes=t.max_bytes,
        max_depth=t.max_depth,
        max_seconds=t.max_seconds,
        obey_robots=t.obey_robots,
        enabled=t.enabled,
        region_code=t.region_code,
        platform_id=t.platform_id,
        last_run_at=t.last_run_at,
        next_run_at=t.next_run_at,
        created_at=t.created_at,
    )


class TargetDetailPublic(TargetPublic):
    runs: list[RunPublic]


@router.get("", response_model=Page[TargetPublic], summary="Targets, newest first")
def list_targets(
    request: Request, session: DB, principal: Reader, page: Annotated[PageQuery, Depends()]
) -> Page[TargetPublic]:
    stmt = visible(select(models.MonitoringTarget), principal, "targets.read", "target")
    return paginate(session, request, stmt, models.MonitoringTarget.id, page, to_public)


@router.post("", status_code=201, response_model=TargetPublic, summary="Add a target")
def create_target(
    request: Request,
    principal: Writer,
    body: TargetCreate,
    raw: Annotated[bytes, Depends(request_body)],
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, TargetPublic]:
        spec = TargetSpec(**body.model_dump(), region_code=principal.region_code)
        target_id = add_target(sessions, spec, actor=principal.username)
        with sessions() as session:
            return 201, to_public(session.get_one(models.MonitoringTarget, target_id))

    return idempotent(sessions, principal, request, raw, create)


@router.get("/{target_id}", response_model=TargetDetailPublic, summary="A target, its runs")
def get_target(session: DB, principal: Reader, target_id: int) -> TargetDetailPublic:
    target = target_admin.open_target(session, principal, target_id)
    runs = [run_public(r) for r in target_admin.recent_runs(session, target_id)]
    return TargetDetailPublic(**to_public(target).model_dump(), runs=runs)


@router.patch("/{target_id}", response_model=TargetPublic, summary="Change, pause, resume")
def update_target(
    session: DB, principal: Writer, target_id: int, body: TargetUpdate
) -> TargetPublic:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    enabled = changes.pop("enabled", None)
    target = target_admin.open_target(session, principal, target_id, "targets.write")
    if changes:
        target = target_admin.update_target(session, principal, target_id, changes)
    if enabled is not None:
        target_admin.set_enabled(session, principal, target_id, enabled)
    session.commit()
    return to_public(target)


@router.delete("/{target_id}", status_code=204, summary="Remove (runs and captures stay)")
def delete_target(session: DB, principal: Writer, target_id: int) -> Response:
    target_admin.remove_target(session, principal, target_id)
    session.commit()
    return Response(status_code=204)


@router.post("/{target_id}/runs", status_code=202, response_model=RunRequested, summary="Run now")
def run_now(
    request: Request,
    principal: Annotated[Principal, Depends(requires("targets.run"))],
    target_id: int,
) -> RunRequested:
    """Starts the crawl in the background; follow it with `GET /runs?target_id=`. Refused
    (400) while another process crawls the target."""
    target_admin.start_run(request.app.state.container, principal, target_id)
    return RunRequested(target_id=target_id, started=True)
