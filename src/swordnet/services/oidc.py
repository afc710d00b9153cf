"""OpenID Connect sign-in: the authorization code flow with PKCE, state and nonce.

The provider proves who someone is; SwordNet decides what they may do. A person signs in
this way only once an administrator has linked their account to the provider's subject
(``user.oidc_subject`` = "<issuer>|<sub>", ``accounts.link_oidc``); an unknown subject is
refused, never given an account.

``begin`` makes the provider's authorization URL and the secrets the browser must bring
back (kept by the caller in a signed cookie); ``finish`` redeems the code at the token
endpoint (client secret and PKCE verifier) and validates the ID token: signed by a key of
the provider's JWKS with an asymmetric algorithm, issued by the configured issuer, for
this client, with this sign-in's nonce, not expired. Authlib makes the PKCE challenge and
the authorization URL; joserfc (Authlib's JOSE library) checks the token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.services import audit
from swordnet.settings import OidcSettings
from swordnet.storage import models

# Never "none", never HS256 (the client secret is not a signing key of the provider's).
ID_TOKEN_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
LEEWAY_SECONDS = 60
_TIMEOUT = httpx.Timeout(10.0)


class OidcError(SwordNetError):
    """The provider's answer cannot be trusted or used; the message says why."""


class OidcUnknownSubject(SwordNetError):  # noqa: N818 - a refusal, named as the user sees it
    """The provider vouched for someone no account is linked to."""

    def __init__(self, subject: str) -> None:
        super().__init__(f"no SwordNet account is linked to {subject}")
        self.subject = subject


@dataclass(frozen=True, slots=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True, slots=True)
class Started:
    """Where to send the browser, and what it must bring back (kept client-side, signed)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True, slots=True)
class Identity:
    subject: str  # "<issuer>|<sub>"
    claims: dict[str, Any]


def enabled(settings: OidcSettings) -> bool:
    return bool(settings.issuer and settings.client_id)


class OidcClient:
    """One provider, as configured; ``transport`` lets tests and proxies supply httpx's."""

    def __init__(self, settings: OidcSettings, *, transport: httpx.BaseTransport | None = None):
        if not settings.issuer or not settings.client_id:
            raise OidcError("OpenID Connect needs web.oidc.issuer and web.oidc.client_id")
        self.issuer = settings.issuer.rstrip("/")
        self.client_id = settings.client_id
        self.client_secret = (
            settings.client_secret.get_secret_value() if settings.client_secret else None
        )
        self.scope = settings.scope
        self._transport = transport

    def _http(self) -> httpx.Client:
        return httpx.Client(transport=self._transport, timeout=_TIMEOUT, follow_redirects=False)

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            with self._http() as http:
                answer = http.get(url, headers={"accept": "application/json"})
            answer.raise_for_status()
            data = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"the provider's {what} at {url} could not be read: {exc}") from exc
        if not isinstance(data, dict):
            raise OidcError(f"the provider's {what} is not a JSON object")
        return data

    def provider(self) -> Provider:
        """The provider's endpoints from its discovery document, whose issuer must be the
        configured one exactly (OpenID Connect Discovery 1.0, section 4.3)."""
        found = self._get_json(f"{self.issuer}/.well-known/openid-configuration", "discovery")
        if str(found.get("issuer", "")).rstrip("/") != self.issuer:
            raise OidcError(
                f"the discovery document names issuer {found.get('issuer')!r}, "
                f"not the configured {self.issuer!r}"
            )
        try:
            return Provider(
                issuer=str(found["issuer"]),
                authorization_endpoint=str(found["authorization_endpoint"]),
                token_endpoint=str(found["token_endpoint"]),
                jwks_uri=str(found["jwks_uri"]),
            )
        except KeyError as exc:
            raise OidcError(f"the discovery document lacks {exc.args[0]}") from None

    def begin(self, redirect_uri: str) -> Started:
        provider = self.provider()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)  # 64 characters, RFC 7636's 43 to 128
        url = prepare_grant_uri(
            provider.authorization_endpoint,
            self.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=self.scope,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        return Started(str(url), state, nonce, verifier)

    def finish(
        self, code: str, *, redirect_uri: str, code_verifier: str, nonce: str, now: datetime
    ) -> Identity:
        """Redeem ``code`` and validate its ID token; ``OidcError`` on anything amiss."""
        provider = self.provider()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        try:
            with self._http() as http:
                if self.client_secret:  # client_secret_basic
                    answer = http.post(
                        provider.token_endpoint,
                        data=form,
                        auth=(self.client_id, self.client_secret),
                    )
                else:  # a public client: PKCE alone
                    form["client_id"] = self.client_id
                    answer = http.post(provider.token_endpoint, data=form)
            tokens = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"the token endpoint could not be reached: {exc}") from exc
        if answer.status_code != 200 or not isinstance(tokens, dict):
            reason = tokens.get("error") if isinstance(tokens, dict) else answer.status_code
            raise OidcError(f"the provider refused the code: {reason}")
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("the provider answered without an ID token")
        keys = KeySet.import_key_set(self._get_json(provider.jwks_uri, "key set"))  # type: ignore[arg-type]
        claims = self._validated(id_token, keys, nonce=nonce, now=now)
        return Identity(f"{self.issuer}|{claims['sub']}", claims)

    def _validated(
        self, id_token: str, keys: KeySet, *, nonce: str, now: datetime
    ) -> dict[str, Any]:
        try:
            token = jwt.decode(id_token, keys, algorithms=list(ID_TOKEN_ALGORITHMS))
        except (JoseError, ValueError) as exc:
            raise OidcError(f"the ID token's signature does not verify: {exc}") from exc
        registry = jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "values": [self.issuer, f"{self.issuer}/"]},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(token.claims)
        except JoseError as exc:
            raise OidcError(f"the ID token is not valid here: {exc}") from exc
        audience = token.claims.get("aud")
        several = isinstance(audience, list) and len(audience) > 1
        if several and token.claims.get("azp") != self.client_id:
            raise OidcError("the ID token was issued to another client (azp)")
        return dict(token.claims)


def user_for_subject(
    sessions: sessionmaker[Session], identity: Identity, *, source: str, now: datetime
) -> tuple[int, str]:
    """The active account linked to the identity: (user id, role value); refused (and
    audited) when none is."""
    with sessions() as session, session.begin():
        user = session.scalars(
            select(models.User).where(models.User.oidc_subject == identity.subject)
        ).first()
        if user is None or not user.active:
            audit.record(
                session, "public", "login.failed", None, None, oidc=identity.subject, source=source
            )
            refusal = OidcUnknownSubject(identity.subject)
        else:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            audit.record(
                session,
                user.username,
                "login.succeeded",
                "user",
                user.id,
                source=source,
                oidc=identity.subject,
            )
            return user.id, user.role.value
    raise refusal
