"""One app on one seeded campaign for a whole test module: the gate tests make thousands
of calls, and signing nine people in (passwords, TOTP codes) once is what keeps them fast."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import Campaign, WebClient, build_campaign, free_port, sign_in
from tests.web.rows import Rows, seed_rows

from swordnet.bootstrap import Container, bootstrap
from swordnet.domain.policy import POLICY
from swordnet.services import credentials
from swordnet.settings import CrawlerSettings, Settings, WebSettings
from swordnet.storage import models
from swordnet.web.app import create_app

# scoped people who reach the "gd" rows and none of the "zj" ones
OUTSIDERS = ("guangdong", "reviewer_gd", "viewer_gd", "police", "holder", "platform")


@dataclass
class Stage:
    container: Container
    app: FastAPI
    campaign: Campaign
    rows: Rows
    sessions: dict[str, WebClient] = field(default_factory=dict)  # signed-in browsers
    tokens: dict[str, str] = field(default_factory=dict)  # API token with every scope
    anonymous: TestClient | None = None

    def bearer(self, username: str) -> TestClient:
        client = TestClient(self.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
        client.headers["Authorization"] = f"Bearer {self.tokens[username]}"
        return client


def _answering_errors(client: WebClient) -> WebClient:
    """The signed-in client, seeing a crash as the 500 a browser would get."""
    answering = WebClient(client.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    answering.cookies = client.cookies
    answering.csrf = client.csrf
    client.close()
    return answering


@contextmanager
def staged(
    home: Path, *, sign_in_everyone: bool = True, web: WebSettings | None = None
) -> Iterator[Stage]:
    settings = Settings(
        home=home,
        workers=1,
        secret_key=secrets.token_urlsafe(32),
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], max_pages=50),
        web=web or WebSettings(),
    )
    container = bootstrap(settings)
    try:
        campaign = build_campaign(container)
        with container.sessions() as session, session.begin():
            other = models.RightsHolder(name="Other Books")
            session.add(other)
            session.flush()
            other_holder = other.id
        people = {name: person.user_id for name, person in campaign.people.items()}
        rows = seed_rows(
            container.sessions,
            holders={"gd": campaign.holders["star"], "zj": other_holder},
            platforms={"gd": campaign.platforms["videosite"], "zj": campaign.platforms["booksite"]},
            agencies={"gd": campaign.agencies["gd"], "zj": campaign.agencies["zj"]},
            users={"gd": people["guangdong"], "zj": people["zhejiang"]},
            referred={"gd": campaign.agencies["police"], "zj": campaign.agencies["zj"]},
        )
        app = create_app(container)
        stage = Stage(container, app, campaign, rows)
        now = datetime.now(UTC)
        for name, person in campaign.people.items():
            _, stage.tokens[name] = credentials.create_token(
                container.sessions,
                person.user_id,
                name="everything",
                scopes=sorted(POLICY[person.role]),
                actor="test",
                now=now,
            )
            if sign_in_everyone:
                stage.sessions[name] = _answering_errors(sign_in(app, person))
        stage.anonymous = TestClient(
            app, base_url="http://127.0.0.1", raise_server_exceptions=False
        )
        yield stage
        for client in stage.sessions.values():
            client.close()
    finally:
        container.close()


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port; its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
