"""Pages for the parties: platforms, rights holders, agencies and regions (a list with a
form to add, a page per record with a form to change it). They call ``services.parties``
with the signed-in principal, as the API does."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from swordnet.domain.kinds import AgencyKind, HolderKind, PlatformCategory, PlatformStatus
from swordnet.services import parties
from swordnet.services.access import Principal, allowed
from swordnet.web.deps import DB, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()

add_nav(N_("Platforms"), "/platforms", "platforms.read")
add_nav(N_("Rights holders"), "/holders", "holders.read")
add_nav(N_("Agencies"), "/agencies", "agencies.read")
add_nav(N_("Regions"), "/regions", "regions.read")

MAX_CSV_BYTES = 8 * 1024 * 1024
PAGE_ROWS = 500


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str  # English, marked for translation
    kind: str = "text"  # text, email, url, select, checkbox, lines, secret, date, region
    choices: tuple[str, ...] = ()
    required: bool = False


PLATFORM_FORM = (
    FormField("name", N_("Name"), required=True),
    FormField("domain", N_("Domain"), required=True),
    FormField("category", N_("Category"), "select", tuple(c.value for c in PlatformCategory)),
    FormField("region_code", N_("Region"), "region"),
    FormField("operator", N_("Operator")),
    FormField("icp_filing", N_("ICP filing number")),
    FormField("hosting_provider", N_("Hosting provider")),
    FormField("registrar", N_("Registrar")),
    FormField("notice_email", N_("Notice e-mail"), "email"),
    FormField("notice_emails", N_("Further notice e-mails, one per line"), "lines"),
    FormField("webhook_url", N_("Webhook URL"), "url"),
    FormField("webhook_secret", N_("Webhook secret (empty: unchanged)"), "secret"),
    FormField("api_access", N_("Pulls notices through the API"), "checkbox"),
    FormField("key_supervision", N_("Under key supervision"), "checkbox"),
    FormField("status", N_("Status"), "select", tuple(s.value for s in PlatformStatus)),
)
HOLDER_FORM = (
    FormField("name", N_("Name"), required=True),
    FormField("kind", N_("Kind"), "select", tuple(k.value for k in HolderKind)),
    FormField("contact_name", N_("Contact person")),
    FormField("email", N_("E-mail"), "email"),
    FormField("phone", N_("Telephone")),
    FormField("address", N_("Address")),
    FormField("country", N_("Country (two letters)")),
    FormField("region_code", N_("Region"), "region"),
    FormField("website", N_("Website"), "url"),
)
AGENT_FORM = (
    FormField("name", N_("Agent's name"), required=True),
    FormField("email", N_("E-mail"), "email"),
    FormField("phone", N_("Telephone")),
    FormField("mandate", N_("Mandate")),
    FormField("valid_until", N_("Valid until"), "date"),
)
AGENCY_FORM = (
    FormField("name", N_("Name"), required=True),
    FormField("name_en", N_("English name")),
    FormField("kind", N_("Kind"), "select", tuple(k.value for k in AgencyKind)),
    FormField("region_code", N_("Region"), "region", required=True),
    FormField("email", N_("E-mail"), "email"),
    FormField("phone", N_("Telephone")),
    FormField("address", N_("Address")),
)
SITE_FORM = (
    FormField("domain", N_("Domain"), required=True),
    FormField("note", N_("Note")),
)
ACCOUNT_FORM = (
    FormField("account", N_("Account"), required=True),
    FormField("holder_id", N_("Rights holder id (official account)")),
    FormField("label", N_("Note")),
)


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def _fields(form: FormData, spec: Sequence[FormField], *, editing: bool) -> dict[str, Any]:
    """The submitted values by the service's field names."""
    values: dict[str, Any] = {}
    for field in spec:
        raw = form.get(field.name)
        text = raw if isinstance(raw, str) else ""
        if field.kind == "checkbox":
            values[field.name] = field.name in form
        elif field.kind == "lines":
            values[field.name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif field.kind == "secret":
            if text.strip() or not editing:
                values[field.name] = text
        elif field.kind == "select":
            if text:  # none chosen: the record's default, or unchanged
                values[field.name] = text
        else:
            values[field.name] = text
    return values


def _current(row: Any, spec: Sequence[FormField]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in spec:
        value = getattr(row, field.name, None)
        if field.kind == "secret":
            value = ""
        elif field.kind == "lines":
            value = "\n".join(value or [])
        elif isinstance(value, StrEnum):
            value = value.value
        values[field.name] = value
    return values


def _page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with request.app.state.container.sessions() as session:
        choices = _region_choices(session)
    return render(
        request,
        template,
        {**context, "error": error, "region_choices": choices},
        status_code=status_code,
    )


def _region_choices(session: Session) -> list[tuple[str, str]]:
    """(code, "Province / City") for the region fields' suggestions."""
    rows = parties.list_regions(session)
    names = {row.code: row.name for row in rows}
    labels = []
    for row in rows:
        parts = [names.get(code, code) for code in row.path.strip("/").split("/")[1:]]
        labels.append((row.code, " / ".join(parts) or row.name))
    return sorted(labels, key=lambda pair: pair[0])


@contextmanager
def _writing(request: Request) -> Iterator[Session]:
    """A session of its own for a change, committed on leaving (the request's session has
    already read the caller)."""
    with request.app.state.container.sessions() as session, session.begin():
        yield session


def _see(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


# -- platforms ---------------------------------------------------------------------------------


def _platforms_context(
    session: Any, principal: Principal, q: str | None, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    # crawling records every site it meets: the page shows the first ones, search narrows
    rows = parties.list_platforms(session, principal, search=q, limit=PAGE_ROWS + 1)
    return {
        "rows": rows[:PAGE_ROWS],
        "more": len(rows) > PAGE_ROWS,
        "q": q or "",
        "form": PLATFORM_FORM,
        "values": values or {"category": "other", "status": "active"},
        "can_add": allowed(principal, "platforms.write"),
    }


@router.get("/platforms", response_class=HTMLResponse)
def platforms_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("platforms.read"))],
    q: str | None = None,
) -> Response:
    return _page(request, "parties/platforms.html", _platforms_context(session, principal, q))


@router.post("/platforms", response_class=HTMLResponse)
def platforms_add(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("platforms.write"))],
    form: Form,
) -> Response:
    values = _fields(form, PLATFORM_FORM, editing=False)
    try:
        with _writing(request) as writer:
            row = parties.register_platform(
                writer, values, actor=principal.username, principal=principal
            )
            platform_id = row.id
    except parties.PartyError as exc:
        context = _platforms_context(session, principal, None, values)
        return _page(request, "parties/platforms.html", context, error=str(exc), status_code=400)
    return _see(f"/platforms/{platform_id}")


def _platform_context(session: Any, principal: Principal, platform_id: int) -> dict[str, Any]:
    row = parties.get_platform(session, platform_id, principal=principal)
    return {
        "row": row,
        "form": PLATFORM_FORM,
        "values": _current(row, PLATFORM_FORM),
        "sites": parties.sites_of(session, row.id),
        "accounts": parties.accounts_of(session, row.id),
        "site_form": SITE_FORM,
        "account_form": ACCOUNT_FORM,
        "can_edit": allowed(principal, "platforms.write"),
    }


@router.get("/platforms/{platform_id}", response_class=HTMLResponse)
def platform_page(
    request: Request,
    platform_id: int,
    session: DB,
    principal: Annotated[Principal, Depends(requires("platforms.read"))],
) -> Response:
    return _page(
        request, "parties/platform.html", _platform_context(session, principal, platform_id)
    )


@router.post("/platforms/{platform_id}", response_class=HTMLResponse)
def platform_edit(
    request: Request,
    platform_id: int,
    session: DB,
    principal: Annotated[Principal, Depends(requires("platforms.write"))],
    form: Form,
) -> Response:
    values = _fields(form, PLATFORM_FORM, editing=True)
    try:
        with _writing(request) as writer:
            parties.update_platform(
                writer, platform_id, values, actor=principal.username, principal=principal
            )
    except parties.PartyError as exc:
        context = {**_platform_context(session, principal, platform_id), "values": values}
        return _page(request, "parties/platform.html", context, error=str(exc), status_code=400)
    return _see(f"/platforms/{platform_id}")


@router.post("/platforms/{platform_id}/sites", response_class=HTMLResponse)
def platform_add_site(
    request: Request,
    platform_id: int,
    session: DB,
    principal: Annotated[Principal, Depends(requires("platforms.write"))],
    form: Form,
) -> Response:
    values = _fields(form, SITE_FORM, editing=False)
    try:
        with _writing(request) as writer:
            parties.add_site(
                writer,
                platform_id,
                values["domain"],
                note=values["note"],
                actor=principal.username,
                principal=principal,
            )
    except parties.PartyError as exc:
        context = _platform_context(session, principal, platform_id)
        return _page(request, "parties/platform.html", context, error=str(exc), status_code=400)
    return _see(f"/platforms/{platform_id}")


@router.post("/platforms/{platform_id}/accounts", response_class=HTMLResponse)
def platform_add_account(
    request: Request,
    platform_id: int,
    session: DB,
    principal: Annotated[Principal, Depends(requires("platforms.write"))],
    form: Form,
) -> Response:
    values = _fields(form, ACCOUNT_FORM, editing=False)
    holder = str(values["holder_id"]).strip()
    try:
        if holder and not holder.isdigit():
            raise parties.PartyError("the rights holder id is a number; see the holders list")
        with _writing(request) as writer:
            parties.add_account(
                writer,
                platform_id,
                values["account"],
                holder_id=int(holder) if holder else None,
                label=values["label"],
                actor=principal.username,
                principal=principal,
            )
    except parties.PartyError as exc:
        context = _platform_context(session, principal, platform_id)
        return _page(request, "parties/platform.html", context, error=str(exc), status_code=400)
    return _see(f"/platforms/{platform_id}")


# -- rights holders ---------------------------------------------------------------------------


def _holders_context(
    session: Any, principal: Principal, q: str | None, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "rows": parties.list_holders(session, principal, search=q),
        "q": q or "",
        "form": HOLDER_FORM,
        "values": values or {"kind": "rights_holder"},
        "can_add": allowed(principal, "holders.write") and principal.holder_id is None,
    }


@router.get("/holders", response_class=HTMLResponse)
def holders_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("holders.read"))],
    q: str | None = None,
) -> Response:
    return _page(request, "parties/holders.html", _holders_context(session, principal, q))


@router.post("/holders", response_class=HTMLResponse)
def holders_add(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("holders.write"))],
    form: Form,
) -> Response:
    values = _fields(form, HOLDER_FORM, editing=False)
    try:
        with _writing(request) as writer:
            holder_id = parties.register_holder(
                writer, values, actor=principal.username, principal=principal
            ).id
    except parties.PartyError as exc:
        context = _holders_context(session, principal, None, values)
        return _page(request, "parties/holders.html", context, error=str(exc), status_code=400)
    return _see(f"/holders/{holder_id}")


def _holder_context(session: Any, principal: Principal, holder_id: int) -> dict[str, Any]:
    row = parties.get_holder(session, holder_id, principal=principal)
    return {
        "row": row,
        "form": HOLDER_FORM,
        "values": _current(row, HOLDER_FORM),
        "agent_form": AGENT_FORM,
        "can_edit": allowed(principal, "holders.write"),
    }


@router.get("/holders/{holder_id}", response_class=HTMLResponse)
def holder_page(
    request: Request,
    holder_id: int,
    session: DB,
    principal: Annotated[Principal, Depends(requires("holders.read"))],
) -> Response:
    return _page(request, "parties/holder.html", _holder_context(session, principal, holder_id))


@router.post("/holders/{holder_id}", response_class=HTMLResponse)
def holder_edit(
    request: Request,
    holder_id: int,
    session: DB,
    principal: Annotated[Principal, Depends(requires("holders.write"))],
    form: Form,
) -> Response:
    values = _fields(form, HOLDER_FORM, editing=True)
    try:
        with _writing(request) as writer:
            parties.update_holder(
                writer, holder_id, values, actor=principal.username, principal=principal
            )
    except parties.PartyError as exc:
        context = {**_holder_context(session, principal, holder_id), "values": values}
        return _page(request, "parties/holder.html", context, error=str(exc), status_code=400)
    return _see(f"/holders/{holder_id}")


@router.post("/holders/{holder_id}/agents", response_class=HTMLResponse)
def holder_add_agent(
    request: Request,
    holder_id: int,
    session: DB,
    principal: Annotated[Principal, Depends(requires("holders.write"))],
    form: Form,
) -> Response:
    values = _fields(form, AGENT_FORM, editing=False)
    try:
        with _writing(request) as writer:
            parties.add_agent(
                writer, holder_id, values, actor=principal.username, principal=principal
            )
    except parties.PartyError as exc:
        context = _holder_context(session, principal, holder_id)
        return _page(request, "parties/holder.html", context, error=str(exc), status_code=400)
    return _see(f"/holders/{holder_id}")


# -- agencies ---------------------------------------------------------------------------------


def _agencies_context(
    session: Any, principal: Principal, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "rows": parties.list_agencies(session, principal),
        "form": AGENCY_FORM,
        "values": values or {"kind": "copyright"},
        "can_add": allowed(principal, "agencies.write"),
    }


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("agencies.read"))],
) -> Response:
    return _page(request, "parties/agencies.html", _agencies_context(session, principal))


@router.post("/agencies", response_class=HTMLResponse)
def agencies_add(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("agencies.write"))],
    form: Form,
) -> Response:
    values = _fields(form, AGENCY_FORM, editing=False)
    try:
        with _writing(request) as writer:
            parties.register_agency(writer, values, actor=principal.username, principal=principal)
    except parties.PartyError as exc:
        context = _agencies_context(session, principal, values)
        return _page(request, "parties/agencies.html", context, error=str(exc), status_code=400)
    return _see("/agencies")


# -- regions ------------------------------------------------------------------------------------


def _regions_context(session: Any, principal: Principal, under: str | None) -> dict[str, Any]:
    rows = parties.subtree(session, under) if under else parties.list_regions(session)
    return {"rows": rows, "under": under or "", "can_import": allowed(principal, "regions.write")}


@router.get("/regions", response_class=HTMLResponse)
def regions_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("regions.read"))],
    under: str | None = None,
) -> Response:
    return _page(request, "parties/regions.html", _regions_context(session, principal, under))


@router.post("/regions/import", response_class=HTMLResponse)
def regions_import(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("regions.write"))],
    form: Form,
) -> Response:
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise parties.PartyError("choose a CSV file to import")
        data = upload.file.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            raise parties.PartyError(f"the file is larger than {MAX_CSV_BYTES} bytes; split it")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise parties.PartyError("the file is not UTF-8 text: save it as UTF-8") from None
        with _writing(request) as writer:
            report = parties.import_regions(writer, text, actor=principal.username)
    except parties.PartyError as exc:
        context = _regions_context(session, principal, None)
        return _page(request, "parties/regions.html", context, error=str(exc), status_code=400)
    context = {**_regions_context(session, principal, None), "report": report}
    return _page(request, "parties/regions.html", context)
