"""What the enforcement pages' tests share: a loopback web site that serves (or 404s) the
noticed URLs and receives webhooks, a registered work with confirmed detections in
Guangdong (videosite) and Zhejiang (booksite), and an API token for a platform's system."""

from __future__ import annotations

import json
import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.web.conftest import SHENZHEN, ZHEJIANG, Campaign

from swordnet.bootstrap import Container
from swordnet.domain.kinds import DetectionStatus
from swordnet.domain.urls import url_sha256
from swordnet.services import credentials
from swordnet.services.catalogue import WorkSpec, register_files
from swordnet.settings import CrawlerSettings, EnforcementSettings, Settings
from swordnet.storage import models

WORK_TITLE = "剑影江湖"


def pirated_text(seed: int = 7, length: int = 3000) -> str:
    rng = random.Random(seed)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    return "".join(rng.choice(chars) + ("。" if rng.random() < 0.05 else "") for _ in range(length))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class LoopbackSite:
    """An HTTP server on 127.0.0.1: GET answers the pages set in ``pages`` (else 404);
    POST is a webhook receiver that keeps what it gets and answers 200."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str]] = {}
        self.received: list[Received] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, text = site.pages.get(self.path, (404, "<html><body>404</body></html>"))
                body = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                site.received.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, text: str, status: int = 200) -> None:
        self.pages[path] = (status, text)

    def webhooks(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.received]

    def __enter__(self) -> LoopbackSite:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def enforcement_settings(tmp_path: Path, smtp_port: int) -> Settings:
    """The web tests' settings, with SMTP at the loopback sink and deadlines that have
    passed as soon as a notice is drafted (so the re-check can run in the test)."""
    return Settings(
        home=tmp_path / "home",
        workers=1,
        secret_key=secrets.token_urlsafe(32),
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], max_pages=50),
        enforcement=EnforcementSettings(
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            deadline_hours={"key_work": 0.0, "ecommerce": 0.0, "default": 0.0},
        ),
    )


@dataclass
class World:
    work_id: int
    reference_id: int
    detections: dict[str, int] = field(default_factory=dict)  # path -> detection id


def register_work(container: Container, campaign: Campaign, tmp_path: Path) -> World:
    """The holder's work, registered and fingerprinted for real (the re-check matches
    pages against it)."""
    path = tmp_path / "sword.txt"
    path.write_text(pirated_text(), encoding="utf-8")
    (outcome,) = register_files(container, [path], WorkSpec(title=WORK_TITLE), actor="test")
    assert outcome.work_id is not None and outcome.reference_id is not None, outcome
    with container.sessions() as session, session.begin():
        work = session.get_one(models.Work, outcome.work_id)
        work.holder_id = campaign.holders["star"]
    return World(outcome.work_id, outcome.reference_id)


def confirm_detection(
    container: Container, world: World, campaign: Campaign, platform: str, url: str
) -> int:
    """A confirmed detection of the work at ``url`` on ``platform``, in its region."""
    region = {"videosite": SHENZHEN, "booksite": ZHEJIANG}[platform]
    with container.sessions() as session, session.begin():
        detection = models.Detection(
            work_id=world.work_id,
            reference_id=world.reference_id,
            platform_id=campaign.platforms[platform],
            region_code=region,
            url=url,
            url_sha256=url_sha256(url),
            modality="text",
            signal="text",
            score=0.97,
            status=DetectionStatus.CONFIRMED,
            detected_at=datetime.now(UTC),
        )
        session.add(detection)
        session.flush()
        world.detections[url] = detection.id
        return detection.id


def platform_token(container: Container, campaign: Campaign, scopes: list[str]) -> str:
    """An API token of the videosite platform user, as its own system would hold."""
    _id, token = credentials.create_token(
        container.sessions,
        campaign.people["platform"].user_id,
        name="videosite integration",
        scopes=scopes,
        actor="platform",
        now=datetime.now(UTC),
    )
    return token
