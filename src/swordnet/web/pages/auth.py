"""Signing in and out, the second factor, the page language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import pyotp
import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from swordnet.domain.policy import SECOND_FACTOR_ROLES
from swordnet.services import accounts, credentials, totp
from swordnet.web.deps import (
    DB,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    Caller,
    now,
    public,
    session_cookie_value,
    session_token,
    signed_in,
    translator,
)
from swordnet.web.i18n import normalise
from swordnet.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    caller: Annotated[Caller, Depends(public("the sign-in page"))],
    next: str | None = None,
) -> Response:
    if caller.principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    oidc = request.app.state.container.settings.web.oidc
    return render(
        request,
        "login.html",
        {
            "next": _safe_next(next),
            "error": None,
            "oidc_label": oidc.label if oidc.issuer else None,
        },
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    caller: Annotated[Caller, Depends(public("signing in"))],
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    container = request.app.state.container
    settings = container.settings
    _ = translator(request)
    try:
        signed = accounts.sign_in(
            container.sessions, username, password, source=_source(request), now=now()
        )
    except accounts.SignInThrottled as exc:
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "error": _(
                    "Too many wrong passwords. Try again after %(time)s UTC.",
                    time=f"{exc.until:%H:%M:%S}",
                ),
            },
            status_code=429,
        )
    except accounts.SignInRefused:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": _("Wrong user name or password.")},
            status_code=401,
        )
    token, _csrf = credentials.start_session(
        container.sessions,
        signed.user_id,
        source=_source(request),
        now=now(),
        hours=settings.web.session_hours,
    )
    target = _safe_next(next)
    if signed.role in SECOND_FACTOR_ROLES:
        target = f"/auth/totp?next={target}"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie_value(request, token),
        max_age=int(settings.web.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    caller: Annotated[Caller, Depends(signed_in())],
) -> Response:
    token = session_token(request)
    if token:
        credentials.end_session(request.app.state.container.sessions, token, now=now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/totp", response_class=HTMLResponse)
def totp_page(
    request: Request,
    session: DB,
    caller: Annotated[Caller, Depends(signed_in())],
    next: str | None = None,
) -> Response:
    assert caller.principal is not None
    if caller.principal.second_factor:
        return RedirectResponse(_safe_next(next), status_code=303)
    enrolment = totp.pending_enrolment(session, caller.principal.user_id)
    qr = None
    if enrolment is not None:
        uri = pyotp.TOTP(enrolment).provisioning_uri(
            name=caller.principal.username, issuer_name="SwordNet"
        )
        qr = Markup(segno.make(uri, error="m").svg_inline(scale=4))
    return render(
        request,
        "totp.html",
        {"next": _safe_next(next), "secret": enrolment, "qr": qr, "error": None},
    )


@router.post("/auth/totp", response_class=HTMLResponse)
def totp_check(
    request: Request,
    caller: Annotated[Caller, Depends(signed_in())],
    code: Annotated[str, Form(max_length=12)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    assert caller.principal is not None and caller.session_id is not None
    container = request.app.state.container
    _ = translator(request)
    if totp.check(
        container.sessions, caller.principal.user_id, code, now=now(), source=_source(request)
    ):
        credentials.mark_second_factor(container.sessions, caller.session_id, now=now())
        return RedirectResponse(_safe_next(next), status_code=303)
    with container.sessions() as session:
        enrolment = totp.pending_enrolment(session, caller.principal.user_id)
    return render(
        request,
        "totp.html",
        {
            "next": _safe_next(next),
            "secret": enrolment,
            "qr": None,
            "error": _("That code is not valid. Enter the current 6-digit code from your app."),
        },
        status_code=401,
    )


@router.get("/language/{code}")
def switch_language(
    request: Request,
    code: str,
    caller: Annotated[Caller, Depends(public("choosing the page language"))],
    next: str | None = None,
) -> Response:
    chosen = normalise(code)
    response = RedirectResponse(_safe_next(next), status_code=303)
    if chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/healthz")
def health(
    caller: Annotated[Caller, Depends(public("a load balancer's health check"))],
) -> dict[str, str]:
    return {"status": "ok"}
