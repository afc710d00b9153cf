"""Who is asking, and may they: the dependencies every route declares.

Every route names its policy with exactly one of:

- ``Depends(requires("detections.review"))``: signed in (web session or API token), the
  role granted the action (and, for officers and admins, the second factor checked); it
  returns the ``Principal``, whose scope the route then applies to its queries through
  ``services.access``;
- ``Depends(public("why"))``: open to anyone (the sign-in page, the public tip form);
- ``Depends(signed_in())``: any signed-in user, whatever the role (their own account,
  signing out, the second-factor pages).

``tests/web/test_route_policy.py`` walks every route of the app and fails on one that
declares none of them.

Browsers authenticate with the session cookie and must send the session's CSRF token
on every unsafe request (the ``csrf_token`` form field or the ``X-CSRF-Token`` header that
the pages set for HTMX). Other systems send ``Authorization: Bearer swn_...``; a bearer
request carries no cookie authority, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from swordnet.domain.errors import SwordNetError
from swordnet.domain.policy import ACTIONS, SECOND_FACTOR_ROLES
from swordnet.services import credentials
from swordnet.services.access import Principal, load_principal, scope_for
from swordnet.web.i18n import Translator, negotiate, normalise

SESSION_COOKIE = "swordnet_session"
LANGUAGE_COOKIE = "swordnet_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(SwordNetError):  # noqa: N818
    """No session, or it ended or expired; no token, or an unknown one."""


class CsrfRefused(SwordNetError):  # noqa: N818
    """An unsafe request from a browser session without the session's CSRF token."""


def cookie_signer(request: Request) -> URLSafeSerializer:
    """Signs the session cookie with the settings' secret key: a cookie not made by this
    installation is refused before any database lookup."""
    signer = getattr(request.app.state, "cookie_signer", None)
    assert isinstance(signer, URLSafeSerializer), "create_app sets the cookie signer"
    return signer


def session_cookie_value(request: Request, token: str) -> str:
    return cookie_signer(request).dumps(token)


def session_token(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        token = cookie_signer(request).loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def now() -> datetime:
    return datetime.now(UTC)


def db(request: Request) -> Iterator[Session]:
    """One database session per request, closed after the answer."""
    with request.app.state.container.sessions() as session:
        yield session


DB = Annotated[Session, Depends(db)]


@dataclass(frozen=True, slots=True)
class Caller:
    """What the request carries: a principal (or none), and how it authenticated."""

    principal: Principal | None
    via: str  # "session", "token", "none"
    session_id: int | None = None
    csrf_token: str | None = None


def _caller(request: Request, session: Session) -> Caller:
    cached = getattr(request.state, "caller", None)
    if isinstance(cached, Caller):
        return cached
    settings = request.app.state.container.settings
    at = now()
    caller = Caller(None, "none")
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        grant = credentials.resolve_token(session, authorization[7:].strip(), now=at)
        if grant is None:
            raise NotSignedIn("the API token is unknown, revoked or expired")
        principal = load_principal(
            session, grant.user_id, token_scopes=grant.scopes, second_factor=True
        )
        if principal is None:
            raise NotSignedIn("the API token's user is deactivated")
        caller = Caller(principal, "token")
    else:
        token = session_token(request)
        info = (
            credentials.resolve_session(
                session,
                token,
                now=at,
                idle=timedelta(minutes=settings.web.idle_minutes),
            )
            if token
            else None
        )
        if info is not None:
            principal = load_principal(session, info.user_id, second_factor=info.second_factor)
            if principal is not None:
                caller = Caller(principal, "session", info.id, info.csrf_token)
    request.state.caller = caller
    return caller


def principal_of(request: Request, session: Session) -> Principal | None:
    """The signed-in principal of a request outside any route (the replay's guard), or None."""
    try:
        return _caller(request, session).principal
    except NotSignedIn:
        return None


async def _csrf_field(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def csrf_submitted(request: Request) -> str | None:
    """The CSRF token an unsafe request carries (header or form field)."""
    if request.method not in UNSAFE_METHODS:
        return None
    return request.headers.get(CSRF_HEADER) or await _csrf_field(request)


def _check_csrf(request: Request, caller: Caller, submitted: str | None) -> None:
    if request.method not in UNSAFE_METHODS or caller.via != "session":
        return
    expected = caller.csrf_token or ""
    if not submitted or not hmac.compare_digest(submitted, expected):
        raise CsrfRefused(
            "this form has expired or did not come from SwordNet; reload the page and try again"
        )


class Requires:
    """The route's policy: the caller must be granted ``action``."""

    def __init__(self, action: str) -> None:
        if action not in ACTIONS:
            raise KeyError(f"unknown action {action!r} in a route's policy")
        self.action = action

    def __call__(
        self,
        request: Request,
        session: DB,
        submitted: Annotated[str | None, Depends(csrf_submitted)],
    ) -> Principal:
        caller = _caller(request, session)
        if caller.principal is None:
            raise NotSignedIn("sign in first")
        _check_csrf(request, caller, submitted)
        scope_for(caller.principal, self.action)  # Forbidden, SecondFactorRequired
        return caller.principal

    def __repr__(self) -> str:
        return f"requires({self.action!r})"


class SignedIn:
    """Any signed-in user, before or after the second factor."""

    def __call__(
        self,
        request: Request,
        session: DB,
        submitted: Annotated[str | None, Depends(csrf_submitted)],
    ) -> Caller:
        caller = _caller(request, session)
        if caller.principal is None:
            raise NotSignedIn("sign in first")
        _check_csrf(request, caller, submitted)
        return caller


class Public:
    """Open to anyone; the reason is part of the route's declared policy."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __call__(
        self,
        request: Request,
        session: DB,
        submitted: Annotated[str | None, Depends(csrf_submitted)],
    ) -> Caller:
        caller = _caller(request, session)
        _check_csrf(request, caller, submitted)
        return caller


def requires(action: str) -> Requires:
    return Requires(action)


def signed_in() -> SignedIn:
    return SignedIn()


def public(reason: str) -> Public:
    return Public(reason)


def needs_second_factor(principal: Principal) -> bool:
    return principal.role in SECOND_FACTOR_ROLES and not principal.second_factor


def language(request: Request) -> str:
    """The page language: ``?lang=``, the language cookie, the user's, the browser's."""
    cached = getattr(request.state, "language", None)
    if isinstance(cached, str):
        return cached
    settings = request.app.state.container.settings
    caller = getattr(request.state, "caller", None)
    user_language = (
        caller.principal.language if isinstance(caller, Caller) and caller.principal else None
    )
    chosen = (
        normalise(request.query_params.get("lang"))
        or normalise(request.cookies.get(LANGUAGE_COOKIE))
        or normalise(user_language)
        or negotiate(request.headers.get("accept-language"), settings.web.default_language)
    )
    request.state.language = chosen
    return chosen


def translator(request: Request) -> Translator:
    return Translator(language(request))


def route_policy(dependencies: list[Any]) -> Requires | Public | SignedIn | None:
    """The policy a route declares among its dependencies (for the route-policy test)."""
    for dependency in dependencies:
        call = getattr(dependency, "call", None)
        if isinstance(call, Requires | Public | SignedIn):
            return call
        nested = route_policy(getattr(dependency, "dependencies", []))
        if nested is not None:
            return nested
    return None
