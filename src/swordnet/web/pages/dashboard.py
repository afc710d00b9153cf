"""The dashboard: the campaign's figures as the caller may see them.

Counting a million detections by status takes seconds, so the figures of one scope (the
same role, region, rights holder, platform and agency see the same figures) are kept for
``FIGURES_TTL_S`` seconds in the process; the page says how old they are."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from swordnet.services.access import Principal, allowed, visible
from swordnet.storage import models
from swordnet.web.deps import DB, requires
from swordnet.web.templating import render

router = APIRouter()

FIGURES_TTL_S = 60.0
_cache: dict[tuple[Any, ...], tuple[float, dict[str, dict[str, int]]]] = {}
_lock = threading.Lock()


def _scope_key(principal: Principal) -> tuple[Any, ...]:
    return (
        principal.role,
        principal.region_path,
        principal.holder_id,
        principal.platform_id,
        principal.agency_id,
        principal.token_scopes,
    )


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
    key = _scope_key(principal)
    with _lock:
        cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < FIGURES_TTL_S:
        return render(
            request, "dashboard.html", {"figures": cached[1], "age_s": int(now - cached[0])}
        )
    figures = _figures(session, principal)
    with _lock:
        _cache[key] = (now, figures)
    return render(request, "dashboard.html", {"figures": figures, "age_s": 0})


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
