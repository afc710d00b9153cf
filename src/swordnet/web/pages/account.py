"""The caller's own account: password, page language, sessions, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from swordnet.services import accounts, credentials
from swordnet.services.access import Principal, SecondFactorRequired
from swordnet.web.deps import (
    DB,
    LANGUAGE_COOKIE,
    Caller,
    needs_second_factor,
    now,
    requires,
    signed_in,
)
from swordnet.web.i18n import N_, normalise
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("API tokens"), "/account/tokens", "tokens.read")

TOKEN_DAYS = (30, 90, 365)


def _own(caller: Caller) -> Principal:
    """The caller, second factor passed where the role needs it (own-account pages are
    open to every role, but not half-way through signing in)."""
    principal = caller.principal
    assert principal is not None
    if needs_second_factor(principal):
        raise SecondFactorRequired("enter the code from your authenticator app first")
    return principal


def _account_page(
    request: Request,
    session: DB,
    caller: Caller,
    *,
    error: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    principal = _own(caller)
    return render(
        request,
        "admin/account.html",
        {
            "sessions": credentials.live_sessions(session, principal.user_id, now=now()),
            "current_session": caller.session_id,
            "error": error,
            "done": done,
        },
        status_code=status_code,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request, session: DB, caller: Annotated[Caller, Depends(signed_in())]
) -> Response:
    return _account_page(request, session, caller)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: DB,
    caller: Annotated[Caller, Depends(signed_in())],
    current: Annotated[str, Form(max_length=1000)],
    new: Annotated[str, Form(max_length=1000)],
    repeat: Annotated[str, Form(max_length=1000)],
) -> Response:
    principal = _own(caller)
    if new != repeat:
        return _account_page(
            request, session, caller, error=N_("The two new passwords differ."), status_code=400
        )
    try:
        accounts.change_own_password(
            request.app.state.container.sessions,
            principal,
            current,
            new,
            keep_session_id=caller.session_id,
            now=now(),
        )
    except accounts.AccountError as exc:
        return _account_page(request, session, caller, error=str(exc), status_code=400)
    return _account_page(
        request,
        session,
        caller,
        done=N_("Password changed. Your other sessions were signed out."),
    )


@router.post("/account/language")
def choose_language(
    request: Request,
    caller: Annotated[Caller, Depends(signed_in())],
    language: Annotated[str, Form(max_length=8)],
) -> Response:
    principal = _own(caller)
    chosen = normalise(language)
    accounts.set_language(request.app.state.container.sessions, principal, chosen)
    response = RedirectResponse("/account", status_code=303)
    # the cookie would otherwise outrank the account's preference
    response.delete_cookie(LANGUAGE_COOKIE, path="/")
    return response


@router.post("/account/sessions/end-others", response_class=HTMLResponse)
def end_other_sessions(
    request: Request, session: DB, caller: Annotated[Caller, Depends(signed_in())]
) -> Response:
    principal = _own(caller)
    credentials.end_other_sessions(
        request.app.state.container.sessions, principal, keep=caller.session_id, now=now()
    )
    session.expire_all()
    return _account_page(request, session, caller, done=N_("Your other sessions were signed out."))


def _tokens_page(
    request: Request,
    session: DB,
    principal: Principal,
    *,
    after: int | None = None,
    created: tuple[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rows, following = credentials.tokens_page(session, principal, after=after, limit=50)
    return render(
        request,
        "admin/tokens.html",
        {
            "tokens": rows,
            "after": following,
            "grantable": credentials.grantable_scopes(principal),
            "days": TOKEN_DAYS,
            "created": created,
            "error": error,
            "now": now(),
        },
        status_code=status_code,
    )


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("tokens.read"))],
    after: int | None = None,
) -> Response:
    return _tokens_page(request, session, principal, after=after)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("tokens.write"))],
    name: Annotated[str, Form(max_length=200)],
    days: Annotated[int, Form(ge=1, le=365)] = 365,
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        _id, token = credentials.create_own_token(
            request.app.state.container.sessions,
            principal,
            name=name,
            scopes=scopes or [],
            now=now(),
            days=days,
        )
    except credentials.CredentialError as exc:
        return _tokens_page(request, session, principal, error=str(exc), status_code=400)
    return _tokens_page(request, session, principal, created=(name.strip(), token), status_code=201)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    request: Request,
    session: DB,
    token_id: int,
    principal: Annotated[Principal, Depends(requires("tokens.write"))],
) -> Response:
    credentials.revoke_visible_token(
        request.app.state.container.sessions, principal, token_id, now=now()
    )
    return RedirectResponse("/account/tokens", status_code=303)
