"""OpenID Connect sign-in against a real provider served on loopback by the test: a
discovery document, a JWKS, an authorize endpoint (the person is taken as signed in there)
and a token endpoint that checks the client secret and the PKCE verifier and answers an
ID token signed RS256 with a key generated here. Tokens signed by another key, for another
audience or with another nonce are refused."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from tests.web.conftest import Campaign, WebClient

from swordnet.bootstrap import Container
from swordnet.services import accounts
from swordnet.settings import CrawlerSettings, OidcSettings, Settings, WebSettings
from swordnet.storage import models

CLIENT_ID, CLIENT_SECRET = "swordnet-test", "s3cret-of-the-client"


@dataclass
class Provider:
    """A small OpenID provider; ``misbehave`` makes its next ID tokens wrong on purpose."""

    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    subject: str = "agent-007"
    misbehave: str | None = None  # "other-key", "audience", "nonce", "expired"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, Any]] = field(default_factory=list)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.subject,
            "aud": "someone-else" if self.misbehave == "audience" else CLIENT_ID,
            "iat": now,
            "exp": now - 600 if self.misbehave == "expired" else now + 300,
            "nonce": "not-the-nonce" if self.misbehave == "nonce" else nonce,
        }
        key = self.key
        if self.misbehave == "other-key":
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid})
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, body: Any, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "jwks_uri": f"{provider.issuer}/jwks",
                        "response_types_supported": ["code"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                    }
                )
            elif url.path == "/jwks":
                self._json(KeySet([provider.key]).as_dict(private=False))
            elif url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
                assert query["code_challenge_method"] == "S256"
                code = f"code-{len(provider.codes)}"
                provider.codes[code] = query
                back = urlencode({"code": code, "state": query["state"]})
                self.send_response(302)
                self.send_header("location", f"{query['redirect_uri']}?{back}")
                self.end_headers()
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests.append(form)
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("authorization") != f"Basic {expected}":
                self._json({"error": "invalid_client"}, 401)
                return
            asked = provider.codes.pop(form.get("code", ""), None)
            challenge = (
                base64.urlsafe_b64encode(
                    hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                )
                .rstrip(b"=")
                .decode()
            )
            if asked is None or asked["code_challenge"] != challenge:
                self._json({"error": "invalid_grant"}, 400)
                return
            if form.get("redirect_uri") != asked["redirect_uri"]:
                self._json({"error": "invalid_grant"}, 400)
                return
            self._json(
                {
                    "access_token": "at",
                    "token_type": "Bearer",
                    "id_token": provider.id_token(asked["nonce"]),
                }
            )

    return Handler


@pytest.fixture
def provider() -> Iterator[Provider]:
    found = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def settings(tmp_path: Path, provider: Provider) -> Settings:
    return Settings(
        home=tmp_path / "home",
        workers=1,
        secret_key="k" * 40,
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], max_pages=50),
        web=WebSettings(
            oidc=OidcSettings(
                issuer=provider.issuer,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                label="Agency sign-in",
            )
        ),
    )


def _link(container: Container, campaign: Campaign, username: str, provider: Provider) -> None:
    accounts.link_oidc(
        container.sessions,
        campaign.people[username].user_id,
        f"{provider.issuer}|{provider.subject}",
        actor="test",
    )


def _through_provider(client: WebClient, next_path: str = "/") -> httpx.Response:
    """Start at SwordNet, pass the provider (as a browser would), come back."""
    started = client.get(f"/auth/oidc/login?next={next_path}", follow_redirects=False)
    assert started.status_code == 303, started.text
    authorize = started.headers["location"]
    at_provider = httpx.get(authorize, follow_redirects=False)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/auth/oidc/callback"
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_the_sign_in_page_offers_the_provider(web_app: FastAPI) -> None:
    page = WebClient(web_app).get("/login")
    assert "/auth/oidc/login?next=" in page.text and "Agency sign-in" in page.text


def test_a_linked_person_signs_in_through_the_provider(
    web_app: FastAPI, container: Container, campaign: Campaign, provider: Provider
) -> None:
    _link(container, campaign, "holder", provider)
    client = WebClient(web_app, base_url="http://127.0.0.1")
    answered = _through_provider(client, "/account")
    assert answered.status_code == 200, answered.text
    assert 'http-equiv="refresh" content="0;url=/account"' in answered.text
    assert client.get("/account").status_code == 200
    assert "holder" in client.get("/api/v1/me").json()["username"]
    # the request carried the PKCE verifier and the secret; the code was redeemed once
    assert provider.token_requests[-1]["code_verifier"] and not provider.codes
    with container.sessions() as session:
        actions = session.scalars(
            select(models.AuditEvent.action).where(models.AuditEvent.actor == "holder")
        ).all()
    assert "login.succeeded" in actions


def test_an_officer_still_enters_the_second_factor(
    web_app: FastAPI, container: Container, campaign: Campaign, provider: Provider
) -> None:
    _link(container, campaign, "guangdong", provider)
    client = WebClient(web_app, base_url="http://127.0.0.1")
    answered = _through_provider(client, "/")
    assert "url=/auth/totp?next=/" in answered.text
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/auth/totp")


def test_an_unknown_subject_is_refused_with_a_clear_page(
    web_app: FastAPI, campaign: Campaign, provider: Provider
) -> None:
    client = WebClient(web_app, base_url="http://127.0.0.1")
    answered = _through_provider(client)
    assert answered.status_code == 403
    assert "administrator" in answered.text or "管理员" in answered.text
    assert f"{provider.issuer}|{provider.subject}" in answered.text
    assert client.get("/", follow_redirects=False).status_code == 303  # not signed in


@pytest.mark.parametrize("fault", ["other-key", "audience", "nonce", "expired"])
def test_a_bad_id_token_is_refused(
    web_app: FastAPI,
    container: Container,
    campaign: Campaign,
    provider: Provider,
    fault: str,
) -> None:
    _link(container, campaign, "holder", provider)
    provider.misbehave = fault
    client = WebClient(web_app, base_url="http://127.0.0.1")
    answered = _through_provider(client)
    assert answered.status_code == 403
    assert "could not be verified" in answered.text or "无法验证" in answered.text
    assert client.get("/api/v1/me").status_code == 401


def test_a_forged_state_is_refused(
    web_app: FastAPI, container: Container, campaign: Campaign, provider: Provider
) -> None:
    _link(container, campaign, "holder", provider)
    client = WebClient(web_app, base_url="http://127.0.0.1")
    started = client.get("/auth/oidc/login", follow_redirects=False)
    at_provider = httpx.get(started.headers["location"], follow_redirects=False)
    code = parse_qs(urlsplit(at_provider.headers["location"]).query)["code"][0]
    forged = client.get(f"/auth/oidc/callback?code={code}&state=attacker", follow_redirects=False)
    assert forged.status_code == 403
    stranger = WebClient(web_app, base_url="http://127.0.0.1")  # no flow cookie at all
    answer = stranger.get(f"/auth/oidc/callback?code={code}&state=x", follow_redirects=False)
    assert answer.status_code == 403
    assert client.get("/api/v1/me").status_code == 401
