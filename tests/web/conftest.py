"""Fixtures of the web app's tests: the app on a fresh database, the people of a campaign
(one per role, with their agency, region, rights holder or platform), and clients signed
in as each of them (password, then the TOTP code where the role needs one)."""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from swordnet.bootstrap import Container
from swordnet.domain.kinds import AgencyKind, PlatformCategory, Role
from swordnet.services import accounts, totp
from swordnet.settings import CrawlerSettings, Settings
from swordnet.storage import models
from swordnet.web.app import create_app

GUANGDONG, SHENZHEN, ZHEJIANG = "440000", "440300", "330000"


@dataclass
class Person:
    username: str
    password: str
    role: Role
    user_id: int
    totp_secret: str | None = None
    last_step: int = -1  # the last TOTP step used: a code is accepted once

    def next_code(self) -> str:
        """A code the server will accept now without waiting: the server takes the
        current 30-second step or its neighbours, each once, so use the earliest of those
        not used yet (sign-ins in quick succession take the next ones)."""
        assert self.totp_secret is not None
        current = int(time.time()) // totp.STEP_SECONDS
        step = max(current - 1, self.last_step + 1)
        if step > current + 1:
            time.sleep((step - 1) * totp.STEP_SECONDS - time.time() + 0.5)
        self.last_step = step
        return pyotp.TOTP(self.totp_secret, interval=totp.STEP_SECONDS).at(step * totp.STEP_SECONDS)


@dataclass
class Campaign:
    """The parties and people the tests share; ids by short name."""

    agencies: dict[str, int] = field(default_factory=dict)
    holders: dict[str, int] = field(default_factory=dict)
    platforms: dict[str, int] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shared settings, with a secret key (the web app refuses to start without)."""
    return Settings(
        home=tmp_path / "home",
        workers=1,
        secret_key=secrets.token_urlsafe(32),
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], max_pages=50),
    )


@pytest.fixture
def web_app(container: Container) -> FastAPI:
    return create_app(container)


def _ensure_region(session: Any, code: str, name: str, parent: str) -> None:
    if session.get(models.Region, code) is None:
        parent_row = session.get(models.Region, parent)
        session.add(
            models.Region(
                code=code,
                parent_code=parent,
                name=name,
                level=parent_row.level + 1,
                path=f"{parent_row.path}{code}/",
            )
        )


@pytest.fixture
def campaign(container: Container) -> Campaign:
    """A national and two provincial copyright bureaus, the police, a rights holder, two
    platforms, and one user per role: ``admin``, ``national``, ``guangdong``,
    ``zhejiang`` (officers), ``reviewer_gd``, ``police``, ``holder``, ``platform``,
    ``viewer_gd``."""
    result = Campaign()
    with container.sessions() as session, session.begin():
        _ensure_region(session, SHENZHEN, "深圳市", GUANGDONG)
        for key, name, kind, region in (
            ("ncac", "National Copyright Administration", AgencyKind.COPYRIGHT, "CN"),
            ("gd", "Guangdong Copyright Bureau", AgencyKind.COPYRIGHT, GUANGDONG),
            ("zj", "Zhejiang Copyright Bureau", AgencyKind.COPYRIGHT, ZHEJIANG),
            ("police", "Guangdong Public Security", AgencyKind.POLICE, GUANGDONG),
        ):
            agency = models.Agency(name=name, kind=kind, region_code=region)
            session.add(agency)
            session.flush()
            result.agencies[key] = agency.id
        holder = models.RightsHolder(name="Star Pictures", email="legal@star.example")
        session.add(holder)
        for key, domain, region in (
            ("videosite", "videosite.example", SHENZHEN),
            ("booksite", "booksite.example", ZHEJIANG),
        ):
            platform = models.Platform(
                name=key,
                domain=domain,
                category=PlatformCategory.VIDEO,
                region_code=region,
                notice_email=f"copyright@{domain}",
            )
            session.add(platform)
            session.flush()
            result.platforms[key] = platform.id
        session.flush()
        result.holders["star"] = holder.id
    people = (
        ("admin", Role.ADMIN, {}),
        ("national", Role.OFFICER, {"agency": "ncac", "region": "CN"}),
        ("guangdong", Role.OFFICER, {"agency": "gd", "region": GUANGDONG}),
        ("zhejiang", Role.OFFICER, {"agency": "zj", "region": ZHEJIANG}),
        ("reviewer_gd", Role.REVIEWER, {"agency": "gd", "region": GUANGDONG}),
        ("police", Role.PARTNER, {"agency": "police", "region": GUANGDONG}),
        ("holder", Role.RIGHTS_HOLDER, {"holder": "star"}),
        ("platform", Role.PLATFORM, {"platform": "videosite"}),
        ("viewer_gd", Role.VIEWER, {"agency": "gd", "region": GUANGDONG}),
    )
    for username, role, member in people:
        password = secrets.token_urlsafe(15)
        user_id = accounts.create_user(
            container.sessions, username, role, password=password, actor="test"
        )
        with container.sessions() as session, session.begin():
            user = session.get(models.User, user_id)
            assert user is not None
            if "agency" in member:
                user.agency_id = result.agencies[member["agency"]]
            user.region_code = member.get("region")
            if "holder" in member:
                user.holder_id = result.holders[member["holder"]]
            if "platform" in member:
                user.platform_id = result.platforms[member["platform"]]
        result.people[username] = Person(username, password, role, user_id)
    return result


class WebClient(TestClient):
    """A TestClient that remembers its session's CSRF token and sends it on unsafe calls."""

    csrf: str = ""

    def refresh_csrf(self) -> str:
        page = self.get("/login")  # any page carries the token in its <meta>
        found = re.search(r'name="csrf-token" content="([^"]*)"', page.text)
        self.csrf = found.group(1) if found else ""
        return self.csrf

    def form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.post(url, data=body, **kwargs)


def sign_in(app: FastAPI, person: Person) -> WebClient:
    """A browser-like client signed in as ``person``, second factor done where needed."""
    client = WebClient(app, base_url="http://127.0.0.1")
    client.refresh_csrf()
    answer = client.post(
        "/login",
        data={"username": person.username, "password": person.password, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    if answer.headers["location"].startswith("/auth/totp"):
        page = client.get(answer.headers["location"])
        found = re.search(r'id="totp-secret">(\w+)<', page.text)
        if found:
            person.totp_secret = found.group(1)
        assert person.totp_secret, "no TOTP secret shown and none known"
        csrf = re.search(r'name="csrf-token" content="([^"]*)"', page.text)
        assert csrf
        client.csrf = csrf.group(1)
        checked = client.form(
            "/auth/totp", {"code": person.next_code(), "next": "/"}, follow_redirects=False
        )
        assert checked.status_code == 303, checked.text
    client.refresh_csrf()
    return client


@pytest.fixture
def client_for(web_app: FastAPI, campaign: Campaign) -> Iterator[Callable[[str], WebClient]]:
    """``client_for("guangdong")``: a client signed in as that person (one per person per
    test: asking again returns the same client)."""
    made: dict[str, WebClient] = {}

    def make(username: str) -> WebClient:
        if username not in made:
            made[username] = sign_in(web_app, campaign.people[username])
        return made[username]

    yield make
    for client in made.values():
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(web_app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, for a real browser; its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
