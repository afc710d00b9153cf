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

from swordnet.adapters.notifiers.csv_lumen import CsvExportNotifier
from swordnet.adapters.notifiers.smtp import SmtpNotifier
from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.adapters.notifiers.webhook import SIGNATURE_HEADER, WebhookNotifier, verify
from swordnet.bootstrap import Container, bootstrap
from swordnet.domain.kinds import DetectionStatus, NoticeStatus, WorkKind
from swordnet.plugins.notifiers import Notifier
from swordnet.services.enforcement.delivery import send_rendered
from swordnet.services.enforcement.notices import draft_notices
from swordnet.settings import Settings
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
            work=work, path="r.txt", modality="text", sha256="a" * 64, size_bytes=10
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
                    modality="text",
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
    with container.sessions() as session:
        message_ids = {n.key: n.message_id for n in session.scalars(select(models.Notice))}
    # every attempt at one notice, failed or resent, carries that notice's stored message id
    sent_ids: dict[str, set[str]] = {}
    for sent_headers, sent_body in receiver.received:
        key = json.loads(sent_body)["key"]
        sent_ids.setdefault(key, set()).add(sent_headers["Idempotency-Key"])
        assert json.loads(sent_body)["message_id"] == sent_headers["Idempotency-Key"]
    assert sent_ids == {key: {message_ids[key]} for key in keys}
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
    with container.sessions() as session:
        message_ids = set(session.scalars(select(models.Notice.message_id)))
    assert set(received) == {f"<{message_id}@example>" for message_id in message_ids}
    assert set(received.values()) == {1}  # the resend of the in-doubt notice: the same id


def test_two_databases_never_share_a_message_id(container: Container, tmp_path: Path) -> None:
    other = bootstrap(Settings(home=tmp_path / "other", workers=1))
    try:
        ids = []
        for each in (container, other):
            confirmed_detections(each)
            draft(each, "smtp")
            with each.sessions() as session:
                ids.append({n.key: n.message_id for n in session.scalars(select(models.Notice))})
    finally:
        other.close()
    assert ids[0].keys() == ids[1].keys()  # the same recipients and detection ids
    assert not set(ids[0].values()) & set(ids[1].values())
    with LoopbackSmtpSink() as sink:
        for each, sender in ((container, "bureau@example"), (other, "bureau@example")):
            send(each, SmtpNotifier(sink.host, sink.port, sender))
        received = sink.message_ids()
    assert len(received) == 2 * len(ids[0])  # a de-duplicating mail system keeps them all


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


def test_webhook_notices_without_a_webhook_url_are_refused_when_drafted(
    container: Container,
) -> None:
    from swordnet.services.enforcement.notices import UndeliverableNoticeError

    confirmed_detections(container)  # the platform has no webhook_url
    with pytest.raises(UndeliverableNoticeError, match="record the platform's webhook_url"):
        draft(container, "webhook")
    with pytest.raises(UndeliverableNoticeError, match="no notifier named 'fax'"):
        draft(container, "fax")
    assert statuses(container) == {}  # nothing drafted
    assert draft(container, "smtp")  # the same detections, for a channel that can send


def test_the_migration_gives_existing_notices_distinct_message_ids(tmp_path: Path) -> None:
    from sqlalchemy import text

    from swordnet.storage.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as connection:
        for key in ("a", "b"):
            connection.execute(
                text(
                    "INSERT INTO notice (key, recipient, channel, jurisdiction, language, "
                    "status, created_at) VALUES (:key, 'r', 'smtp', 'cn-rpnd', 'zh', "
                    "'rendered', '2017-08-01 00:00:00')"
                ),
                {"key": key},
            )
    upgrade(engine)
    with engine.connect() as connection:
        ids = connection.execute(text("SELECT message_id FROM notice")).scalars().all()
    engine.dispose()
    assert len(set(ids)) == 2 and all(len(value) == 36 for value in ids)
