"""Accounts administration: the users the caller may see, and (administrators) creating,
changing, deactivating them and resetting their password or second factor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from swordnet.domain.kinds import Role
from swordnet.domain.policy import MEMBERSHIP
from swordnet.services import accounts
from swordnet.services.access import Principal
from swordnet.web.deps import DB, now, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Users"), "/users", "users.read")

PAGE = 50


def optional_int(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise accounts.AccountError(f"{value!r} is not an id")
    return int(value)


def optional_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def membership_from_form(
    agency_id: str | None, region_code: str | None, holder_id: str | None, platform_id: str | None
) -> accounts.Membership:
    return accounts.Membership(
        agency_id=optional_int(agency_id),
        region_code=optional_text(region_code),
        holder_id=optional_int(holder_id),
        platform_id=optional_int(platform_id),
    )


@router.get("/users", response_class=HTMLResponse)
def users_list(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("users.read"))],
    q: str | None = None,
    role: Role | None = None,
    after: int | None = None,
) -> Response:
    rows, following = accounts.accounts_page(
        session, principal, role=role, text=q, after=after, limit=PAGE
    )
    return render(
        request,
        "admin/users.html",
        {"users": rows, "after": following, "q": q or "", "role": role, "roles": list(Role)},
    )


def _form_context(session: DB) -> dict[str, object]:
    return {
        "roles": list(Role),
        "choices": accounts.membership_choices(session),
        "membership": {role.value: MEMBERSHIP[role] for role in Role},
    }


@router.get("/users/new", response_class=HTMLResponse)
def new_user_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> Response:
    return render(
        request, "admin/user_new.html", {**_form_context(session), "error": None, "values": {}}
    )


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("users.write"))],
    username: Annotated[str, Form(max_length=100)],
    role: Annotated[Role, Form()],
    display_name: Annotated[str | None, Form(max_length=200)] = None,
    email: Annotated[str | None, Form(max_length=320)] = None,
    agency_id: Annotated[str | None, Form()] = None,
    region_code: Annotated[str | None, Form(max_length=32)] = None,
    holder_id: Annotated[str | None, Form()] = None,
    platform_id: Annotated[str | None, Form()] = None,
) -> Response:
    try:
        member = membership_from_form(agency_id, region_code, holder_id, platform_id)
        created = accounts.create_account(
            request.app.state.container.sessions,
            username,
            role,
            member,
            actor=principal,
            display_name=optional_text(display_name),
            email=optional_text(email),
        )
    except accounts.AccountError as exc:
        return render(
            request,
            "admin/user_new.html",
            {
                **_form_context(session),
                "error": str(exc),
                "values": {
                    "username": username,
                    "role": role.value,
                    "display_name": display_name or "",
                    "email": email or "",
                    "agency_id": agency_id or "",
                    "region_code": region_code or "",
                    "holder_id": holder_id or "",
                    "platform_id": platform_id or "",
                },
            },
            status_code=400,
        )
    return render(
        request,
        "admin/secret_once.html",
        {
            "heading": N_("Account created"),
            "username": username.strip(),
            "user_id": created.user_id,
            "password": created.password,
        },
        status_code=201,
    )


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(
    request: Request,
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.read"))],
) -> Response:
    user = accounts.get_account(session, principal, user_id)
    return render(
        request,
        "admin/user.html",
        {**_form_context(session), "user": user, "error": None, "done": None},
    )


def _after_change(
    request: Request, session: DB, principal: Principal, user_id: int, done: str
) -> Response:
    session.expire_all()
    user = accounts.get_account(session, principal, user_id)
    return render(
        request,
        "admin/user.html",
        {**_form_context(session), "user": user, "error": None, "done": done},
    )


@router.post("/users/{user_id}", response_class=HTMLResponse)
def update_user(
    request: Request,
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.write"))],
    role: Annotated[Role, Form()],
    display_name: Annotated[str | None, Form(max_length=200)] = None,
    email: Annotated[str | None, Form(max_length=320)] = None,
    agency_id: Annotated[str | None, Form()] = None,
    region_code: Annotated[str | None, Form(max_length=32)] = None,
    holder_id: Annotated[str | None, Form()] = None,
    platform_id: Annotated[str | None, Form()] = None,
    oidc_subject: Annotated[str | None, Form(max_length=300)] = None,
) -> Response:
    sessions = request.app.state.container.sessions
    try:
        changed = accounts.update_account(
            sessions,
            user_id,
            actor=principal,
            now=now(),
            role=role,
            member=membership_from_form(agency_id, region_code, holder_id, platform_id),
            display_name=(display_name or "").strip(),
            email=(email or "").strip(),
        )
        if oidc_subject is not None:
            accounts.link_oidc(sessions, user_id, optional_text(oidc_subject), actor=principal)
    except accounts.AccountError as exc:
        user = accounts.get_account(session, principal, user_id)
        return render(
            request,
            "admin/user.html",
            {**_form_context(session), "user": user, "error": str(exc), "done": None},
            status_code=400,
        )
    done = N_("Saved.")
    if changed.tokens_revoked:
        done = N_("Saved. API tokens holding scopes the new role lacks were revoked.")
    return _after_change(request, session, principal, user_id, done)


@router.post("/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate_user(
    request: Request,
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> Response:
    accounts.deactivate_account(
        request.app.state.container.sessions, user_id, actor=principal, now=now()
    )
    return _after_change(
        request,
        session,
        principal,
        user_id,
        N_("Deactivated: the user's sessions ended and their API tokens were revoked."),
    )


@router.post("/users/{user_id}/reactivate", response_class=HTMLResponse)
def reactivate_user(
    request: Request,
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> Response:
    accounts.reactivate_account(request.app.state.container.sessions, user_id, actor=principal)
    return _after_change(
        request,
        session,
        principal,
        user_id,
        N_("Reactivated. Tokens revoked earlier stay revoked."),
    )


@router.post("/users/{user_id}/reset-password", response_class=HTMLResponse)
def reset_password(
    request: Request,
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> Response:
    changed = accounts.reset_password(
        request.app.state.container.sessions, user_id, actor=principal, now=now()
    )
    user = accounts.get_account(session, principal, user_id)
    return render(
        request,
        "admin/secret_once.html",
        {
            "heading": N_("Password reset"),
            "username": user.username,
            "user_id": user.id,
            "password": changed.password,
        },
    )


@router.post("/users/{user_id}/reset-totp", response_class=HTMLResponse)
def reset_totp(
    request: Request,
    session: DB,
    user_id: int,
    principal: Annotated[Principal, Depends(requires("users.write"))],
) -> Response:
    accounts.reset_totp(request.app.state.container.sessions, user_id, actor=principal, now=now())
    return _after_change(
        request,
        session,
        principal,
        user_id,
        N_("Second factor reset: the user's sessions ended; the next sign-in enrols anew."),
    )
