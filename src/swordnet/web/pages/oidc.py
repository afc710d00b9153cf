"""Signing in with OpenID Connect (``web.oidc``; off unless an issuer is set).

``/auth/oidc/login`` sends the browser to the provider with a fresh state, nonce and PKCE
verifier, kept in a short-lived signed cookie; ``/auth/oidc/callback`` checks the state,
redeems the code (``services.oidc``), finds the account linked to the subject and starts
an ordinary web session: roles that need the second factor still enter their TOTP code.

The provider's redirect back is a cross-site navigation, which does not carry
SameSite=Strict cookies: the flow's own cookie is therefore Lax (and scoped to
``/auth/oidc``), and the callback answers with a page that moves on by itself, so that the
next request is same-site and carries the new (Strict) session cookie.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from swordnet.domain.kinds import Role
from swordnet.domain.policy import SECOND_FACTOR_ROLES
from swordnet.services import credentials, oidc
from swordnet.services.access import NotVisible
from swordnet.web.deps import SESSION_COOKIE, Caller, now, public, session_cookie_value
from swordnet.web.i18n import N_
from swordnet.web.pages.auth import _safe_next, _source
from swordnet.web.templating import render

router = APIRouter()

FLOW_COOKIE = "swordnet_oidc"
FLOW_PATH = "/auth/oidc"
FLOW_SECONDS = 600  # the time a person has at the provider


def _client(request: Request) -> oidc.OidcClient:
    settings = request.app.state.container.settings
    if not oidc.enabled(settings.web.oidc):
        raise NotVisible("OpenID Connect sign-in is not configured here")
    return oidc.OidcClient(settings.web.oidc)


def _serializer(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.container.settings.secret_key.get_secret_value()
    return URLSafeTimedSerializer(secret, salt="swordnet.oidc")


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


def _refused(request: Request, reason: str, *, subject: str | None = None) -> Response:
    response = render(
        request,
        "admin/oidc_refused.html",
        {"reason": reason, "subject": subject},
        status_code=403,
    )
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


@router.get("/auth/oidc/login")
def oidc_login(
    request: Request,
    caller: Annotated[Caller, Depends(public("signing in with OpenID Connect"))],
    next: str | None = None,
) -> Response:
    started = _client(request).begin(_redirect_uri(request))
    flow = {
        "state": started.state,
        "nonce": started.nonce,
        "verifier": started.code_verifier,
        "next": _safe_next(next),
    }
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        _serializer(request).dumps(flow),
        max_age=FLOW_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=FLOW_PATH,
    )
    return response


def _flow(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLOW_COOKIE)
    if not raw:
        return None
    try:
        flow = _serializer(request).loads(raw, max_age=FLOW_SECONDS)
    except BadSignature:
        return None
    return flow if isinstance(flow, dict) else None


@router.get("/auth/oidc/callback", name="oidc_callback", response_class=HTMLResponse)
def oidc_callback(
    request: Request,
    caller: Annotated[Caller, Depends(public("the OpenID Connect provider's answer"))],
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    client = _client(request)
    flow = _flow(request)
    if flow is None:
        return _refused(request, N_("This sign-in took too long or did not start here."))
    if not state or not hmac.compare_digest(str(flow.get("state", "")), state):
        return _refused(request, N_("This answer does not belong to the sign-in you started."))
    if error or not code:
        return _refused(request, N_("The identity provider did not sign you in."))
    container = request.app.state.container
    try:
        identity = client.finish(
            code,
            redirect_uri=_redirect_uri(request),
            code_verifier=str(flow["verifier"]),
            nonce=str(flow["nonce"]),
            now=now(),
        )
        user_id, role = oidc.user_for_subject(
            container.sessions, identity, source=_source(request), now=now()
        )
    except oidc.OidcUnknownSubject as exc:
        return _refused(
            request,
            N_("No SwordNet account is linked to this identity. Ask an administrator to link it."),
            subject=exc.subject,
        )
    except oidc.OidcError:
        return _refused(request, N_("The identity provider's answer could not be verified."))
    settings = container.settings
    token, _csrf = credentials.start_session(
        container.sessions,
        user_id,
        source=_source(request),
        now=now(),
        hours=settings.web.session_hours,
    )
    target = _safe_next(str(flow.get("next", "/")))
    if Role(role) in SECOND_FACTOR_ROLES:
        target = f"/auth/totp?next={target}"
    response = render(request, "admin/continue.html", {"target": target})
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie_value(request, token),
        max_age=int(settings.web.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response
