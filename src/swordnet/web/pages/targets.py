"""Monitoring targets: add, edit, pause and resume, remove, run now (in the background,
progress polled by HTMX), the last run and its failures with their reasons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from swordnet.domain.errors import SwordNetError
from swordnet.services import target_admin
from swordnet.services.access import Principal, allowed
from swordnet.services.monitoring import TargetSpec, add_target
from swordnet.storage import models
from swordnet.web.deps import DB, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Targets"), "/targets", "targets.read")

Reader = Annotated[Principal, Depends(requires("targets.read"))]
Writer = Annotated[Principal, Depends(requires("targets.write"))]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _positive(value: str, name: str) -> int:
    if not value.strip().isdigit():
        raise SwordNetError(f"{name}: a whole number, please")
    return int(value)


@router.get("/targets", response_class=HTMLResponse)
def targets_list(
    request: Request,
    session: DB,
    principal: Reader,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    rows, following = target_admin.list_targets(session, principal, after=after)
    return render(
        request,
        "targets/list.html",
        {"rows": rows, "next_after": following, "may_write": allowed(principal, "targets.write")},
    )


@router.post("/targets")
def create_target(
    request: Request,
    principal: Writer,
    name: Annotated[str, Form()],
    seeds: Annotated[str, Form()] = "",
    sitemap_url: Annotated[str, Form()] = "",
    query_template: Annotated[str, Form()] = "",
    interval_s: Annotated[str, Form()] = "86400",
    max_pages: Annotated[str, Form()] = "500",
    max_depth: Annotated[str, Form()] = "5",
    obey_robots: Annotated[str, Form()] = "",
) -> Response:
    if not name.strip():
        raise SwordNetError("name the target")
    spec = TargetSpec(
        name=name.strip(),
        seeds=_lines(seeds),
        sitemap_url=sitemap_url.strip() or None,
        query_template=query_template.strip() or None,
        interval_s=_positive(interval_s, "interval"),
        max_pages=_positive(max_pages, "pages"),
        max_depth=_positive(max_depth, "depth"),
        obey_robots=bool(obey_robots),
        region_code=principal.region_code,
    )
    target_id = add_target(request.app.state.container.sessions, spec, actor=principal.username)
    return RedirectResponse(f"/targets/{target_id}", status_code=303)


def _detail(session: DB, principal: Principal, target_id: int) -> dict[str, Any]:
    target = target_admin.open_target(session, principal, target_id)
    runs = target_admin.recent_runs(session, target_id)
    last = runs[0] if runs else None
    return {
        "target": target,
        "runs": runs,
        "last_run": last,
        "failures": target_admin.run_failures(session, last.id) if last else [],
        "busy": target_admin.is_busy(target, models.utcnow()),
        "may_write": allowed(principal, "targets.write"),
        "may_run": allowed(principal, "targets.run"),
    }


@router.get("/targets/{target_id}", response_class=HTMLResponse)
def target_page(request: Request, session: DB, principal: Reader, target_id: int) -> Response:
    return render(request, "targets/detail.html", _detail(session, principal, target_id))


@router.get("/targets/{target_id}/progress", response_class=HTMLResponse)
def run_progress(request: Request, session: DB, principal: Reader, target_id: int) -> Response:
    """The last run's figures and failures (HTMX polls it while the target is crawled)."""
    return render(request, "targets/_run.html", _detail(session, principal, target_id))


@router.post("/targets/{target_id}")
def edit_target(
    session: DB,
    principal: Writer,
    target_id: int,
    name: Annotated[str, Form()],
    seeds: Annotated[str, Form()] = "",
    sitemap_url: Annotated[str, Form()] = "",
    query_template: Annotated[str, Form()] = "",
    interval_s: Annotated[str, Form()] = "86400",
    max_pages: Annotated[str, Form()] = "500",
    max_depth: Annotated[str, Form()] = "5",
    obey_robots: Annotated[str, Form()] = "",
) -> Response:
    target_admin.update_target(
        session,
        principal,
        target_id,
        {
            "name": name,
            "seeds": _lines(seeds),
            "sitemap_url": sitemap_url.strip() or None,
            "query_template": query_template.strip() or None,
            "interval_s": _positive(interval_s, "interval"),
            "max_pages": _positive(max_pages, "pages"),
            "max_depth": _positive(max_depth, "depth"),
            "obey_robots": bool(obey_robots),
        },
    )
    session.commit()
    return RedirectResponse(f"/targets/{target_id}", status_code=303)


@router.post("/targets/{target_id}/pause")
def pause(session: DB, principal: Writer, target_id: int) -> Response:
    target_admin.set_enabled(session, principal, target_id, False)
    session.commit()
    return RedirectResponse(f"/targets/{target_id}", status_code=303)


@router.post("/targets/{target_id}/resume")
def resume(session: DB, principal: Writer, target_id: int) -> Response:
    target_admin.set_enabled(session, principal, target_id, True)
    session.commit()
    return RedirectResponse(f"/targets/{target_id}", status_code=303)


@router.post("/targets/{target_id}/remove")
def remove(session: DB, principal: Writer, target_id: int) -> Response:
    target_admin.remove_target(session, principal, target_id)
    session.commit()
    return RedirectResponse("/targets", status_code=303)


@router.post("/targets/{target_id}/run")
def run_now(
    request: Request,
    principal: Annotated[Principal, Depends(requires("targets.run"))],
    target_id: int,
) -> Response:
    target_admin.start_run(request.app.state.container, principal, target_id)
    return RedirectResponse(f"/targets/{target_id}", status_code=303)
