"""The parties of a campaign on SQLite and PostgreSQL: records validated and audited,
regions imported as a hierarchy, and enforcement reading what was recorded (notice
addresses, the holder's agents, the platform's webhook key, the e-commerce deadline,
pre-warning recipients, the telecom agency, the region of notices and detections)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.adapters.notifiers.webhook import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    WebhookNotifier,
    verify,
)
from swordnet.bootstrap import Container, bootstrap
from swordnet.domain.kinds import DetectionStatus, WorkKind
from swordnet.services import parties
from swordnet.services.enforcement.delivery import send_rendered
from swordnet.services.enforcement.escalation import escalate
from swordnet.services.enforcement.notices import draft_notices
from swordnet.services.enforcement.prewarning import publish_list
from swordnet.settings import EnforcementSettings, Settings
from swordnet.storage import models

ACTOR = "tester"


@pytest.fixture
def app(settings: Settings, database_url: str) -> Iterator[Container]:
    built = bootstrap(
        settings.model_copy(
            update={
                "database_url": database_url,
                "secret_key": "x" * 40,
                "enforcement": EnforcementSettings(language="en", repeat_confirmed_detections=1),
            }
        )
    )
    yield built
    built.close()


def _confirmed_detection(session: Session, platform_id: int | None, holder_id: int, n: int) -> int:
    work = models.Work(title=f"Work {n}", kind=WorkKind.BOOK, holder_id=holder_id)
    session.add(work)
    session.flush()
    reference = models.ReferenceFile(
        work_id=work.id, path=f"/w{n}.txt", modality="text", sha256=f"{n:064d}", size_bytes=1
    )
    session.add(reference)
    session.flush()
    url = f"http://shop.example/item/{n}"
    detection = models.Detection(
        work_id=work.id,
        reference_id=reference.id,
        platform_id=platform_id,
        url=url,
        url_sha256=f"{n:064x}",
        modality="text",
        signal="text",
        score=0.97,
        status=DetectionStatus.CONFIRMED,
    )
    session.add(detection)
    session.flush()
    return detection.id


def _audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(models.AuditEvent.action).order_by(models.AuditEvent.id)))


def test_a_platform_is_validated_and_every_change_audited(app: Container) -> None:
    with app.sessions() as session, session.begin():
        with pytest.raises(parties.PartyError, match="http:// or https://"):
            parties.register_platform(
                session,
                {"name": "Shop", "domain": "shop.example", "webhook_url": "ftp://shop.example/x"},
                actor=ACTOR,
            )
        with pytest.raises(parties.PartyError, match="not an e-mail address"):
            parties.register_platform(
                session,
                {"name": "Shop", "domain": "shop.example", "notice_emails": ["legal at shop"]},
                actor=ACTOR,
            )
        with pytest.raises(parties.PartyError, match="no region 'XX'"):
            parties.register_platform(
                session,
                {"name": "Shop", "domain": "shop.example", "region_code": "XX"},
                actor=ACTOR,
            )
        platform = parties.register_platform(
            session,
            {
                "name": "Shop",
                "domain": "https://Shop.Example/path",
                "category": "ecommerce",
                "region_code": "440000",
                "notice_email": "Legal@Shop.Example",
                "notice_emails": ["ip@shop.example", "ip@shop.example"],
                "webhook_secret": "s" * 32,
            },
            actor=ACTOR,
        )
        assert platform.domain == "shop.example"
        assert platform.notice_email == "Legal@shop.example"
        assert platform.notice_emails == ["ip@shop.example"]
        with pytest.raises(parties.DuplicatePartyError, match="platforms edit"):
            parties.register_platform(
                session, {"name": "Again", "domain": "shop.example"}, actor=ACTOR
            )
        parties.add_site(session, platform.id, "m.shop.example", actor=ACTOR)
        in_cn = parties.list_platforms(session, region_code="CN", category="ecommerce")
        assert [p.domain for p in in_cn] == ["shop.example"]
        assert parties.list_platforms(session, region_code="330000") == []
        with pytest.raises(parties.DuplicatePartyError):
            parties.add_site(session, platform.id, "shop.example", actor=ACTOR)
    with app.sessions() as session:
        events = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.action == "platform.registered")
        ).all()
        assert len(events) == 1 and events[0].actor == ACTOR
        assert events[0].data["webhook_secret"] == "(set)"  # never the secret itself
        assert "platform.site_added" in _audit_actions(session)


def test_regions_import_validates_computes_paths_and_is_idempotent(app: Container) -> None:
    good = (
        "code,parent_code,name,name_en\n"
        "440100,440000,广州市,Guangzhou\n"
        "440106,440100,天河区,Tianhe\n"
        "440300,440000,深圳市,Shenzhen\n"
    )
    with app.sessions() as session, session.begin():
        report = parties.import_regions(session, good, actor=ACTOR)
        assert sorted(report.created) == ["440100", "440106", "440300"]
    with app.sessions() as session, session.begin():
        again = parties.import_regions(session, good, actor=ACTOR)
        assert (again.created, again.updated, again.unchanged) == ([], [], 3)
        assert session.get_one(models.Region, "440106").path == "CN/440000/440100/440106/"
        assert session.get_one(models.Region, "440106").level == 3
        codes = [r.code for r in parties.subtree(session, "440100")]
        assert codes == ["440100", "440106"]
    bad_files = {
        "unknown parent": ("code,parent_code,name\n999999,888888,Nowhere\n", "888888"),
        "cycle": ("code,parent_code,name\nA1,B1,A\nB1,A1,B\n", "cycle"),
        "duplicate": ("code,parent_code,name\nD1,CN,D\nD1,CN,D again\n", "twice"),
        "header": ("id,parent,name\nX,CN,X\n", "first line"),
        "slash": ("code,parent_code,name\na/b,CN,X\n", "'/'"),
    }
    for text, expected in bad_files.values():
        with (
            app.sessions() as session,
            session.begin(),
            pytest.raises(parties.RegionImportError, match=expected),
        ):
            parties.import_regions(session, text, actor=ACTOR)
    # moving a region under another carries its descendants' paths along
    with app.sessions() as session, session.begin():
        parties.import_regions(
            session, "code,parent_code,name\n440100,440300,广州市\n", actor=ACTOR
        )
    with app.sessions() as session:
        assert session.get_one(models.Region, "440106").path == "CN/440000/440300/440100/440106/"
        # an existing region may not be put under its own descendant
    with (
        app.sessions() as session,
        session.begin(),
        pytest.raises(parties.RegionImportError, match="cycle"),
    ):
        parties.import_regions(session, "code,parent_code,name\n440000,440106,广东\n", actor=ACTOR)


def test_notices_read_the_parties(app: Container, tmp_path: Path) -> None:
    with app.sessions() as session, session.begin():
        platform = parties.register_platform(
            session,
            {
                "name": "Shop",
                "domain": "shop.example",
                "category": "ecommerce",
                "region_code": "440000",
                "notice_email": "legal@shop.example",
                "notice_emails": ["ip@shop.example", "lawyer@firm.example"],
            },
            actor=ACTOR,
        )
        holder = parties.register_holder(
            session,
            {"name": "Star Pictures", "contact_name": "Li Lei", "email": "legal@star.example"},
            actor=ACTOR,
        )
        parties.add_agent(
            session,
            holder.id,
            {"name": "Wang Fang", "mandate": "takedown notices", "email": "wang@agent.example"},
            actor=ACTOR,
        )
        parties.add_agent(
            session, holder.id, {"name": "Old Agent", "valid_until": "2001-01-01"}, actor=ACTOR
        )
        _confirmed_detection(session, platform.id, holder.id, 1)
        platform_id = platform.id
    now = models.utcnow()
    with app.sessions() as session, session.begin():
        (notice,) = draft_notices(session, app.settings.enforcement, actor=ACTOR, now=now)
        assert notice.recipient == "legal@shop.example"
        assert notice.region_code == "440000"
        assert notice.deadline_at == now + timedelta(hours=360)  # the e-commerce deadline
        text = notice.body_text or ""
        assert "Contact person: Li Lei" in text
        assert "Authorised agent: Wang Fang, takedown notices, wang@agent.example" in text
        assert "Old Agent" not in text  # its mandate ended
    with LoopbackSmtpSink() as sink:
        notifier = app.notifier("smtp", smtp_host=sink.host, smtp_port=sink.port)
        report = send_rendered(app.sessions, notifier, actor=ACTOR, now=now, with_pdf=False)
        assert len(report.sent) == 1
        message = sink.messages[0]
    to = str(message["To"])
    assert "legal@shop.example" in to and "ip@shop.example" in to and "lawyer@firm.example" in to
    assert "abuse@" not in to
    # the platform moves: its notice follows, a notice of another platform does not
    with app.sessions() as session, session.begin():
        parties.update_platform(session, platform_id, {"region_code": "330000"}, actor=ACTOR)
    with app.sessions() as session:
        assert session.scalars(select(models.Notice.region_code)).one() == "330000"


def test_a_platform_webhook_secret_signs_what_it_receives(app: Container) -> None:
    secret = "platform-own-secret-0123456789"
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    with app.sessions() as session, session.begin():
        platform = parties.register_platform(
            session,
            {
                "name": "Video",
                "domain": "video.example",
                "webhook_url": "https://video.example/notices",
                "webhook_secret": secret,
            },
            actor=ACTOR,
        )
        holder = parties.register_holder(session, {"name": "Holder"}, actor=ACTOR)
        _confirmed_detection(session, platform.id, holder.id, 2)
    now = models.utcnow()
    with app.sessions() as session, session.begin():
        draft_notices(session, app.settings.enforcement, actor=ACTOR, now=now, channel="webhook")
    notifier = WebhookNotifier(("x" * 40).encode(), transport=httpx.MockTransport(receiver))
    send_rendered(app.sessions, notifier, actor=ACTOR, now=now, with_pdf=False)
    (request,) = received
    body = request.content
    assert request.headers[KEY_HEADER] == "platform"
    header = request.headers[SIGNATURE_HEADER]
    assert verify(secret.encode(), header, body, now=time.time())
    assert not verify(("x" * 40).encode(), header, body, now=time.time())
    assert json.loads(body)["key"]


def test_prewarning_lists_reach_key_supervision_platforms(app: Container, tmp_path: Path) -> None:
    with app.sessions() as session, session.begin():
        supervised = parties.register_platform(
            session, {"name": "Big", "domain": "big.example", "key_supervision": True}, actor=ACTOR
        )
        parties.register_platform(
            session, {"name": "Small", "domain": "small.example"}, actor=ACTOR
        )
        holder = parties.register_holder(session, {"name": "Holder"}, actor=ACTOR)
        work = models.Work(title="Blockbuster", kind=WorkKind.FILM, holder_id=holder.id)
        session.add(work)
        session.flush()
        now = models.utcnow()
        published = publish_list(
            session,
            title="Summer films",
            work_ids=[work.id],
            platform_ids=[],
            starts_at=now,
            ends_at=now + timedelta(days=30),
            feed_dir=tmp_path / "feeds",
            actor=ACTOR,
            now=now,
        )
        assert [r.platform_id for r in published.recipients] == [supervised.id]


def test_shutdown_requests_go_to_the_nearest_telecom_agency(app: Container) -> None:
    with app.sessions() as session, session.begin():
        parties.import_regions(
            session, "code,parent_code,name\n440300,440000,深圳市\n", actor=ACTOR
        )
        parties.register_agency(
            session,
            {
                "name": "Guangdong Communications Administration",
                "kind": "telecom",
                "region_code": "440000",
                "email": "shutdown@gdca.example",
            },
            actor=ACTOR,
        )
        parties.register_agency(
            session,
            {"name": "Shenzhen Copyright", "kind": "copyright", "region_code": "440300"},
            actor=ACTOR,
        )
        platform = parties.register_platform(
            session,
            {"name": "Pirate", "domain": "pirate.example", "region_code": "440300"},
            actor=ACTOR,
        )
        holder = parties.register_holder(session, {"name": "Holder"}, actor=ACTOR)
        _confirmed_detection(session, platform.id, holder.id, 3)
    summary = escalate(app.sessions, app.settings.enforcement, now=models.utcnow(), actor=ACTOR)
    assert summary.sites == ["pirate.example"]
    with app.sessions() as session:
        request = session.scalars(select(models.ShutdownRequest)).one()
        assert request.recipient == "shutdown@gdca.example"
        assert "Guangdong Communications Administration" in request.body_text
        assert session.scalars(select(models.Case.region_code)).one() == "440300"


def test_a_region_change_carries_detections_whose_region_came_from_the_platform(
    app: Container,
) -> None:
    with app.sessions() as session, session.begin():
        platform = parties.register_platform(
            session, {"name": "P", "domain": "p.example", "region_code": "440000"}, actor=ACTOR
        )
        holder = parties.register_holder(session, {"name": "Holder"}, actor=ACTOR)
        ours = _confirmed_detection(session, platform.id, holder.id, 4)
        theirs = _confirmed_detection(session, platform.id, holder.id, 5)
        session.get_one(models.Detection, ours).region_code = "440000"
        session.get_one(models.Detection, theirs).region_code = "110000"  # set otherwise
    with app.sessions() as session, session.begin():
        parties.update_platform(session, platform.id, {"region_code": "330000"}, actor=ACTOR)
    with app.sessions() as session:
        assert session.get_one(models.Detection, ours).region_code == "330000"
        assert session.get_one(models.Detection, theirs).region_code == "110000"
        event = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.action == "platform.changed")
        ).one()
        assert event.data["region_followed"] == {"detections": 1, "notices": 0}


def test_a_platform_losing_its_region_gives_detections_their_target_region(
    app: Container,
) -> None:
    from swordnet.domain.kinds import CaptureOutcome

    with app.sessions() as session, session.begin():
        platform = parties.register_platform(
            session, {"name": "P", "domain": "p.example", "region_code": "440000"}, actor=ACTOR
        )
        holder = parties.register_holder(session, {"name": "Holder"}, actor=ACTOR)
        target = models.MonitoringTarget(name="t", platform_id=platform.id, region_code="110000")
        session.add(target)
        session.flush()
        run = models.CrawlRun(target_id=target.id)
        session.add(run)
        session.flush()
        capture = models.Capture(
            run_id=run.id, url="http://p.example/1", host="p.example", outcome=CaptureOutcome.OK
        )
        session.add(capture)
        session.flush()
        crawled = _confirmed_detection(session, platform.id, holder.id, 6)
        scanned = _confirmed_detection(session, platform.id, holder.id, 7)
        session.get_one(models.Detection, crawled).capture_id = capture.id
        for detection_id in (crawled, scanned):
            session.get_one(models.Detection, detection_id).region_code = "440000"
    with app.sessions() as session, session.begin():
        parties.update_platform(session, platform.id, {"region_code": None}, actor=ACTOR)
    with app.sessions() as session:
        assert session.get_one(models.Detection, crawled).region_code == "110000"
        assert session.get_one(models.Detection, scanned).region_code is None
