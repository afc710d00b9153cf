"""The dashboard: the campaign's figures as the caller may see them.

Counting a million detections by status takes seconds, so the figures of one scope (the
same role, region, rights holder, platform and agency see the same figures) are kept for
a minute in the process (``web.scoped_cache``); the page says how old they are."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from swordnet.services.access import Principal, allowed, visible
from swordnet.storage import models
from swordnet.web.deps import DB, requires
from swordnet.web.scoped_cache import ScopedCache
from swordnet.web.templating import render

router = APIRouter()


def _grouped(
    session: Any, principal: Principal, action: str, kind: str, column: Any
) -> dict[str, int]:
    stmt = visible(select(column, func.count()).group_by(column), principal, action, kind)
    return {str(getattr(key, "value", key)): count for key, count in session.execute(stmt)}


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("dashboard.read"))],
) -> Response:
    cache: ScopedCache = request.app.state.scoped_cache
    figures, age_s = cache.get("dashboard", principal, lambda: _figures(session, principal))
    return render(request, "dashboard.html", {"figures": figures, "age_s": age_s})


def _figures(session: Any, principal: Principal) -> dict[str, dict[str, int]]:
    figures: dict[str, dict[str, int]] = {}
    if allowed(principal, "detections.read"):
        figures["detections"] = _grouped(
            session, principal, "detections.read", "detection", models.Detection.status
        )
    if allowed(principal, "notices.read"):
        figures["notices"] = _grouped(
            session, principal, "notices.read", "notice", models.Notice.status
        )
    if allowed(principal, "targets.read"):
        figures["targets"] = {
            "enabled" if key == "True" else "paused": count
            for key, count in _grouped(
                session, principal, "targets.read", "target", models.MonitoringTarget.enabled
            ).items()
        }
    if allowed(principal, "cases.read"):
        figures["cases"] = _grouped(session, principal, "cases.read", "case", models.Case.status)
    return figures
