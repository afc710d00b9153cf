"""Works and their reference files: list, register, upload (fingerprinted in the
background, progress polled by HTMX), licences. Rights holders keep their own here."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import Role, WorkKind
from swordnet.services import work_registry
from swordnet.services.access import Principal, allowed, visible
from swordnet.services.licenses import LicenseTerms, add_license
from swordnet.services.work_registry import WorkDraft
from swordnet.storage import models
from swordnet.web.deps import DB, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Works"), "/works", "works.read")

Reader = Annotated[Principal, Depends(requires("works.read"))]
Writer = Annotated[Principal, Depends(requires("works.write"))]


def _home(request: Request) -> Path:
    return Path(request.app.state.container.settings.home)


@router.get("/works", response_class=HTMLResponse)
def works_list(
    request: Request,
    session: DB,
    principal: Reader,
    q: Annotated[str | None, Query()] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    rows, following = work_registry.list_works(session, principal, search=q, after=after)
    holders = (
        work_registry.holders_for_choice(request.app.state.container.sessions)
        if allowed(principal, "works.write") and principal.role is not Role.RIGHTS_HOLDER
        else []
    )
    return render(
        request,
        "works/list.html",
        {
            "rows": rows,
            "q": q or "",
            "next_after": following,
            "kinds": [k.value for k in WorkKind],
            "holders": holders,
            "may_write": allowed(principal, "works.write"),
        },
    )


@router.post("/works", response_class=HTMLResponse)
def register_work(
    request: Request,
    session: DB,
    principal: Writer,
    title: Annotated[str, Form()],
    kind: Annotated[WorkKind, Form()],
    aliases: Annotated[str, Form()] = "",
    holder_id: Annotated[str, Form()] = "",
    holder_name: Annotated[str, Form()] = "",
    key_work: Annotated[str, Form()] = "",
) -> Response:
    draft = WorkDraft(
        title=title,
        kind=kind,
        aliases=tuple(a for a in aliases.replace("，", ",").split(",")),
        holder_id=int(holder_id) if holder_id.strip().isdigit() else None,
        holder_name=holder_name or None,
        key_work=bool(key_work),
    )
    work_id = work_registry.create_work(session, principal, draft)
    session.commit()
    return RedirectResponse(f"/works/{work_id}", status_code=303)


@router.get("/works/{work_id}", response_class=HTMLResponse)
def work_page(request: Request, session: DB, principal: Reader, work_id: int) -> Response:
    work = work_registry.open_work(session, principal, work_id, "works.read")
    licences = (
        list(
            session.scalars(
                visible(
                    select(models.License)
                    .where(models.License.work_id == work_id)
                    .order_by(models.License.id),
                    principal,
                    "licenses.read",
                    "license",
                )
            )
        )
        if allowed(principal, "licenses.read")
        else []
    )
    return render(
        request,
        "works/detail.html",
        {
            "work": work,
            "references": work_registry.references_of(session, work_id),
            "uploads": work_registry.list_uploads(_home(request), work_id),
            "licences": licences,
            "may_write": allowed(principal, "works.write"),
            "may_license": allowed(principal, "licenses.write"),
            "may_see_detections": allowed(principal, "detections.read"),
        },
    )


@router.get("/works/{work_id}/uploads", response_class=HTMLResponse)
def upload_progress(request: Request, session: DB, principal: Reader, work_id: int) -> Response:
    """The uploads' progress (HTMX polls it while any is running)."""
    work_registry.open_work(session, principal, work_id, "works.read")
    return render(
        request,
        "works/_uploads.html",
        {
            "work_id": work_id,
            "uploads": work_registry.list_uploads(_home(request), work_id),
            "references": work_registry.references_of(session, work_id),
            "may_write": allowed(principal, "works.write"),
        },
    )


@router.post("/works/{work_id}/references", response_class=HTMLResponse)
def upload_reference(
    request: Request,
    session: DB,
    principal: Writer,
    work_id: int,
    file: Annotated[UploadFile, File()],
) -> Response:
    work_registry.open_work(session, principal, work_id, "works.write")
    container = request.app.state.container
    upload, path = work_registry.receive_upload(
        _home(request),
        work_id,
        file.filename,
        file.file,
        max_bytes=container.settings.web.max_upload_bytes,
    )
    work_registry.start_fingerprinting(container, upload, path, principal.username)
    if request.headers.get("hx-request"):
        return upload_progress(request, session, principal, work_id)
    return RedirectResponse(f"/works/{work_id}", status_code=303)


@router.post("/works/{work_id}/uploads/{job}/forget")
def forget_upload(
    request: Request, session: DB, principal: Writer, work_id: int, job: str
) -> Response:
    work_registry.open_work(session, principal, work_id, "works.write")
    work_registry.forget_failed_upload(_home(request), work_id, job)
    return RedirectResponse(f"/works/{work_id}", status_code=303)


def _day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SwordNetError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _listed(value: str) -> list[str]:
    return [v.strip() for v in value.replace("，", ",").replace("\n", ",").split(",") if v.strip()]


@router.post("/works/{work_id}/licenses")
def declare_licence(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("licenses.write"))],
    work_id: int,
    licensee: Annotated[str, Form()],
    domains: Annotated[str, Form()] = "",
    accounts: Annotated[str, Form()] = "",
    territory: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    document_ref: Annotated[str, Form()] = "",
) -> Response:
    work_registry.open_work(session, principal, work_id, "licenses.write")
    session.rollback()  # add_license runs its own transaction
    if not licensee.strip():
        raise SwordNetError("name the licensee")
    add_license(
        request.app.state.container.sessions,
        LicenseTerms(
            work_id=work_id,
            licensee=licensee.strip(),
            domains=_listed(domains),
            accounts=_listed(accounts),
            territory=[t.upper() for t in _listed(territory)],
            starts_on=_day(starts_on),
            ends_on=_day(ends_on),
            document_ref=document_ref.strip() or None,
        ),
        actor=principal.username,
    )
    return RedirectResponse(f"/works/{work_id}#licences", status_code=303)
