"""Delivery: a signed webhook to a real loopback HTTP server, failures and retries, and what
a restart does with an attempt left in doubt, per transport."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.adapters.notifiers.exports import CsvExportNotifier
from swordnet.adapters.notifiers.smtp import SmtpNotifier
from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.adapters.notifiers.webhook import SIGNATURE_HEADER, WebhookNotifier, verify
from swordnet.bootstrap import Container
from swordnet.domain.kinds import DetectionStatus, Modality, NoticeStatus, WorkKind
from swordnet.plugins.notifiers import Notifier
from swordnet.services.enforcement.delivery import send_rendered
from swordnet.services.enforcement.notices import draft_notices
from swordnet.storage import models

SECRET = b"0123456789abcdef0123456789abcdef-webhook"


class Receiver(ThreadingHTTPServer):
    """A platform's webhook endpoint: answers ``status`` and keeps what it got."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = 202
        self.received: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/notices"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers.items()), body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def confirmed_detections(container: Container, webhook_url: str | None = None) -> None:
    """Two sites with one confirmed detection each, without crawling."""
    with container.sessions() as session, session.begin():
        holder = models.RightsHolder(name="Harbour Daily", email="legal@harbour.example")
        work = models.Work(title="Harbour report", kind=WorkKind.NEWS_ARTICLE, holder=holder)
        reference = models.ReferenceFile(
            work=work, path="r.txt", modality=Modality.TEXT, sha256="a" * 64, size_bytes=10
        )
        for number in (1, 2):
            platform = models.Platform(
                name=f"Site {number}", domain=f"site{number}.example", webhook_url=webhook_url
            )
            session.add(
                models.Detection(
                    work=work,
                    reference=reference,
                    platform=platform,
                    url=f"http://site{number}.example/copy.html",
                    url_sha256=str(number) * 64,
                    modality=Modality.TEXT,
                    signal="text",
                    score=0.99,
                    status=DetectionStatus.CONFIRMED,
                )
            )


def draft(container: Container, channel: str) -> list[str]:
    with container.sessions() as session, session.begin():
        notices = draft_notices(
            session,
            container.settings.enforcement,
            actor="officer",
            now=models.utcnow(),
            channel=channel,
            language="en",
        )
        return [n.key for n in notices]


def leave_attempt_in_doubt(container: Container, key: str, channel: str) -> None:
    """What a crash between "attempt recorded" and "sent recorded" leaves behind."""
    with container.sessions() as session, session.begin():
        notice = session.scalars(select(models.Notice).where(models.Notice.key == key)).one()
        attempt = len(
            session.scalars(
                select(models.NoticeDelivery).where(models.NoticeDelivery.notice_id == notice.id)
            ).all()
        )
        session.add(
            models.NoticeDelivery(
                notice_id=notice.id, attempt=attempt + 1, channel=channel, actor="crashed"
            )
        )


def statuses(container: Container) -> dict[str, NoticeStatus]:
    with container.sessions() as session:
        return {n.key: n.status for n in session.scalars(select(models.Notice))}


def send(container: Container, notifier: Notifier, **options: bool) -> list[str]:
    report = send_rendered(
        container.sessions, notifier, actor="officer", now=models.utcnow(), **options
    )
    return sorted(report.sent)


def test_signed_webhook_failure_retry_and_resend_in_doubt(
    container: Container, receiver: Receiver
) -> None:
    confirmed_detections(container, webhook_url=receiver.url)
    keys = sorted(draft(container, "webhook"))
    notifier = WebhookNotifier(SECRET)
    receiver.status = 500
    assert send(container, notifier) == []
    assert set(statuses(container).values()) == {NoticeStatus.RENDERED}
    receiver.status = 202
    leave_attempt_in_doubt(container, keys[0], "webhook")
    assert send(container, notifier) == keys  # failed ones retried; in-doubt one resent
    notifier.close()
    assert set(statuses(container).values()) == {NoticeStatus.SENT}
    headers, body = receiver.received[-1]
    assert verify(SECRET, headers[SIGNATURE_HEADER], body, now=time.time())
    assert headers["Idempotency-Key"] == json.loads(body)["key"]
    with container.sessions() as session:
        attempts = session.scalars(
            select(models.NoticeDelivery.outcome).order_by(models.NoticeDelivery.id)
        ).all()
    assert sorted(attempts) == ["delivered", "delivered", "failed", "failed", "failed"]


def test_smtp_holds_an_attempt_in_doubt_until_told_to_resend(container: Container) -> None:
    confirmed_detections(container)
    keys = sorted(draft(container, "smtp"))
    leave_attempt_in_doubt(container, keys[0], "smtp")
    with LoopbackSmtpSink() as sink:
        notifier = SmtpNotifier(sink.host, sink.port, "bureau@example")
        assert send(container, notifier) == [keys[1]]
        assert send(container, notifier) == []  # still held
        assert send(container, notifier, resend_in_doubt=True) == [keys[0]]
        received = sink.message_ids()
    assert set(received) == {f"<{key}@example>" for key in keys}
    assert set(received.values()) == {1}


def test_exports_settle_an_attempt_in_doubt_from_the_file(
    container: Container, tmp_path: Path
) -> None:
    confirmed_detections(container)
    keys = sorted(draft(container, "csv"))
    notifier = CsvExportNotifier(tmp_path / "exports")
    assert send(container, notifier) == keys
    rows = (tmp_path / "exports" / f"{keys[0]}.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("notice_key,recipient") and "copy.html" in rows[1]
    # a notice whose file exists but whose "sent" was never recorded is confirmed, not resent
    with container.sessions() as session, session.begin():
        notice = session.scalars(select(models.Notice).where(models.Notice.key == keys[0])).one()
        notice.status = NoticeStatus.RENDERED
        session.add(
            models.NoticeDelivery(notice_id=notice.id, attempt=9, channel="csv", actor="crashed")
        )
    report = send_rendered(container.sessions, notifier, actor="officer", now=models.utcnow())
    assert report.sent == [] and report.confirmed_earlier == [keys[0]]
    assert set(statuses(container).values()) == {NoticeStatus.SENT}
