"""The whole enforcement loop on the simulated web, real SQLite and a real SMTP server:
detect, authorise (licensed site dropped), review, notice by e-mail, the site removes some
items, re-check, compliance recorded, the ignoring site escalated."""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.unit.enforcement.chinese_text import foreign_words

from swordnet.adapters.notifiers.smtp import SmtpNotifier
from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.bootstrap import Container, bootstrap
from swordnet.demo.campaign import write_catalogue
from swordnet.domain.kinds import DetectionStatus, NoticeItemStatus, NoticeStatus, PlatformCategory
from swordnet.services import ledger
from swordnet.services.audit import verify_chain
from swordnet.services.briefing import build_briefing
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.services.enforcement.authorisation import authorise_new_detections
from swordnet.services.enforcement.compliance import add_counter_notice, recheck_due
from swordnet.services.enforcement.cycle import run_enforcement_cycle
from swordnet.services.enforcement.escalation import escalate
from swordnet.services.enforcement.notices import draft_notices
from swordnet.services.enforcement.prewarning import acknowledge, deliver_list, publish_list
from swordnet.services.enforcement.review import confirm, dismiss, review_queue
from swordnet.services.ledger import evidence
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.settings import EnforcementSettings, Settings
from swordnet.simweb.server import Response, SimWeb, Site
from swordnet.simweb.world import World, build_world
from swordnet.storage import models

SITES = ("novels", "reprints", "licensed")


def enforcement_container(settings: Settings, **enforcement: object) -> Container:
    tuned = EnforcementSettings(**enforcement)  # type: ignore[arg-type]
    return bootstrap(settings.model_copy(update={"enforcement": tuned}))


def crawl_world(container: Container, world: World, web: SimWeb, tmp_path: Path) -> dict[str, str]:
    """Register the catalogue, declare the platforms, crawl them; site key -> platform domain."""
    register_files(container, write_catalogue(world, tmp_path / "catalogue"))
    domains: dict[str, str] = {}
    for site in world.sites:
        domain = site_key(web.base_urls[site.key])
        with container.sessions() as session, session.begin():
            get_or_create_platform(
                session,
                domain,
                name=site.name,
                category=PlatformCategory(site.category),
                operator=f"{site.name} Ltd",
                icp_filing=f"ICP-{site.key}-0001",
                hosting_provider="Example Hosting",
            )
        crawl(container, [web.base_urls[site.key] + "/"], CrawlPolicy(max_pages=30))
        domains[site.key] = domain
    return domains


def demo_sites(world: World) -> dict[str, Site]:
    world.sites = [site for site in world.sites if site.key in SITES]
    return {site.key: site for site in world.sites}


def test_detect_authorise_review_notify_recheck_escalate(
    settings: Settings, tmp_path: Path
) -> None:
    container = enforcement_container(settings, repeat_ignored_notices=1, language="zh")
    world = build_world()
    sites = demo_sites(world)
    try:
        with SimWeb(world.sites) as web, LoopbackSmtpSink() as sink:
            domains = crawl_world(container, world, web, tmp_path)
            base = web.base_urls
            now = models.utcnow()
            with container.sessions() as session, session.begin():
                news_4 = session.scalars(
                    select(models.Work).where(models.Work.title == world.entry("news-4").title)
                ).one()
                session.add(
                    models.License(
                        work=news_4, licensee="Licensed News Partner", domains=[domains["licensed"]]
                    )
                )
                session.flush()
                report = authorise_new_detections(session, actor="officer-li", now=now)
                licensed = session.get_one(models.Detection, report.authorised[0])
                assert report.authorised == [licensed.id]
                assert licensed.url == base["licensed"] + "/wire/4.html"
                assert "Licensed News Partner" in (licensed.status_reason or "")
                quoted = session.scalars(
                    select(models.Detection).where(
                        models.Detection.url == base["reprints"] + "/news/102.html"
                    )
                ).one()
                dismiss(
                    session,
                    [quoted.id],
                    actor="reviewer-wang",
                    now=now,
                    reason="excerpt inside commentary: quotation",
                )
            summary = run_enforcement_cycle(
                container.sessions,
                container.settings.enforcement,
                container.notifier("smtp", smtp_host=sink.host, smtp_port=sink.port),
                now=now,
                actor="officer-li",
            )
            assert summary.notices_sent == 2 and summary.notices_failed == 0
            assert summary.awaiting_review == 0
            assert sorted(sink.message_ids().values()) == [1, 1]
            everything = "\n".join(str(m) for m in sink.messages)
            assert base["licensed"] + "/wire/4.html" not in everything
            assert base["reprints"] + "/news/102.html" not in everything
            for message in sink.messages:
                text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                assert "信息网络传播权保护条例" in text and "第十四条" in text
                pdfs = [p for p in message.iter_attachments() if p.get_filename().endswith(".pdf")]
                assert pdfs and pdfs[0].get_content().startswith(b"%PDF")

            # the novels site complies in part, in every way a site can; the reprint site ignores
            novels = sites["novels"]
            del novels.routes["/book/1/1.html"]
            novels.routes["/book/1/2.html"] = Response(
                "<html><body><p>该内容已被删除</p></body></html>".encode()
            )
            novels.routes["/book/2/2.html"] = Response(b"gone", status=410)
            novels.routes["/book/1/3.html"] = novels.routes["/book/9/1.html"]  # other text
            early = recheck_due(container, now=now + timedelta(hours=1))
            assert early.notices_checked == 0  # before the deadline nothing is judged
            later = now + timedelta(days=4)
            compliance = recheck_due(container, now=later)
            escalation = escalate(container.sessions, container.settings.enforcement, now=later)
        assert compliance.notices_checked == 2
        assert compliance.items_removed == 4 and compliance.items_still_there == 3
        assert escalation.sites == [domains["reprints"]]
        check_records(container, domains, base, now)
        # escalating again opens nothing new
        assert (
            escalate(container.sessions, container.settings.enforcement, now=later).cases_opened
            == []
        )
    finally:
        container.close()


def check_records(
    container: Container, domains: dict[str, str], base: dict[str, str], now: datetime
) -> None:
    """What the loop left in the database: verdicts, evidence of each judgement, the case,
    the briefing figures and an intact audit chain."""
    with container.sessions() as session:
        notices = {
            n.platform.domain: n for n in session.scalars(select(models.Notice)) if n.platform
        }
        novels_notice, reprints_notice = (
            notices[domains["novels"]],
            notices[domains["reprints"]],
        )
        assert novels_notice.status is NoticeStatus.PARTLY_COMPLIED
        assert reprints_notice.status is NoticeStatus.IGNORED
        # key works (the sword novel) get the short deadline, news the default one
        assert novels_notice.deadline_at == now + timedelta(hours=24)
        assert reprints_notice.deadline_at == now + timedelta(hours=72)
        items = {i.url.removeprefix(base["novels"]): i for i in novels_notice.items}
        assert items["/book/1/1.html"].check_detail == "HTTP 404"
        assert items["/book/2/2.html"].check_detail == "HTTP 410"
        assert "removal notice" in (items["/book/1/2.html"].check_detail or "")
        assert "no longer holds" in (items["/book/1/3.html"].check_detail or "")
        assert items["/book/2/1.html"].status is NoticeItemStatus.STILL_THERE
        case = session.scalars(select(models.Case)).one()
        request = session.scalars(select(models.ShutdownRequest)).one()
        assert case.platform_id == reprints_notice.platform_id and case.shutdown_requested
        assert "ICP-reprints-0001" in request.body_text
        assert "Example Hosting" in request.body_text
        assert reprints_notice.key in request.body_text
        assert request.attachments[0]["key"] == reprints_notice.key
        assert "built-in method" not in request.body_text
        # the Chinese documents are wholly Chinese: only names, addresses and ids in Latin
        names = [
            value
            for row in session.scalars(select(models.Platform))
            for value in (row.name, row.operator, row.hosting_provider, row.icp_filing)
            if value
        ]
        names += [row.name for row in session.scalars(select(models.RightsHolder))]
        names += [row.title for row in session.scalars(select(models.Work))]
        names.append(container.settings.enforcement.regulator_name)
        documents = [request.body_text, novels_notice.body_text, reprints_notice.body_text]
        for document in documents:
            assert foreign_words(document or "", names) == []
        briefing = build_briefing(session)
        assert briefing.links_verified_deleted == 4
        assert briefing.notices_sent == 2 and briefing.notices_complied == 0
        assert briefing.sites_escalated == 1 and briefing.cases_opened == 1
        events = session.scalars(select(models.AuditEvent)).all()
        by_action = {(e.action, e.actor) for e in events}
        assert ("detection.dismissed", "reviewer-wang") in by_action
        assert ("detection.authorised", "officer-li") in by_action
        assert ("notice.sent", "officer-li") in by_action
        assert ("case.opened", "system") in by_action
        assert verify_chain(session) == []
        check_ledger(session)


def check_ledger(session: Session) -> None:
    """Every capture, detection, notice sent and re-check verdict is a leaf of the log."""
    for kind, model in ((evidence.CAPTURE, models.Capture), (evidence.DETECTION, models.Detection)):
        for row_id in session.scalars(select(model.id)):
            assert ledger.leaves_for(session, kind, row_id), (kind, row_id)
    checked = session.scalars(
        select(models.NoticeItem.id).where(models.NoticeItem.checked_at.is_not(None))
    ).all()
    assert checked
    for item_id in checked:
        assert ledger.leaves_for(session, evidence.RECHECK, item_id), item_id
    for notice in session.scalars(select(models.Notice)):
        (index,) = ledger.leaves_for(session, evidence.NOTICE_SENT, notice.id)
        assert ledger.leaf(session, index).record["body_sha256"] == notice.body_sha256
    capture = session.scalars(
        select(models.Capture).where(models.Capture.warc_file.is_not(None))
    ).first()
    assert capture is not None
    record = ledger.leaf(
        session, ledger.leaves_for(session, evidence.CAPTURE, capture.id)[0]
    ).record
    with open(capture.warc_file or "", "rb") as warc:
        warc.seek(capture.warc_offset or 0)
        chunk = warc.read(64 << 20)
    member = zlib.decompressobj(wbits=31)  # one gzip member: the record, as stored
    member.decompress(chunk)
    stored = chunk[: len(chunk) - len(member.unused_data)]
    assert record["warc"]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert record["warc"]["offset"] == capture.warc_offset
    assert record["environment"]["software"].startswith("swordnet ")
    assert ledger.verify_log(session) == []


def test_counter_notice_sets_an_item_aside_then_restores_it(
    settings: Settings, tmp_path: Path
) -> None:
    container = enforcement_container(settings, counter_notice_restore_days=10)
    world = build_world()
    sites = demo_sites(world)
    world.sites = [sites["reprints"]]
    try:
        with SimWeb(world.sites) as web, LoopbackSmtpSink() as sink:
            crawl_world(container, world, web, tmp_path)
            now = models.utcnow()
            run_enforcement_cycle(
                container.sessions,
                container.settings.enforcement,
                container.notifier("smtp", smtp_host=sink.host, smtp_port=sink.port),
                now=now,
            )
            sites["reprints"].routes.pop("/news/101.html")
            with container.sessions() as session, session.begin():
                item = session.scalars(
                    select(models.NoticeItem).where(
                        models.NoticeItem.url.endswith("/news/103.html")
                    )
                ).one()
                add_counter_notice(
                    session,
                    item.id,
                    claimant="Reprint Net editor",
                    statement="We hold a reprint license from the author.",
                    contact="ed@reprint",
                    restore_after=timedelta(days=10),
                    actor="officer-li",
                    now=now,
                )
            compliance = recheck_due(container, now=now + timedelta(days=4))
            # 101 deleted, 102 left in place, 103 set aside by the counter-notice
            assert (compliance.items_removed, compliance.items_still_there) == (1, 1)
            assert compliance.items_checked == 2
            restored = recheck_due(container, now=now + timedelta(days=11))
        assert restored.items_restored == 1
        with container.sessions() as session:
            statuses = {
                i.url.rsplit("/", 1)[-1]: i.status
                for i in session.scalars(select(models.NoticeItem))
            }
            assert statuses["103.html"] is NoticeItemStatus.RESTORED
            assert statuses["101.html"] is NoticeItemStatus.REMOVED
            assert statuses["102.html"] is NoticeItemStatus.STILL_THERE
            notice = session.scalars(select(models.Notice)).one()
            assert notice.status is NoticeStatus.PARTLY_COMPLIED
            assert build_briefing(session).links_verified_deleted == 1
            counter = session.scalars(select(models.CounterNotice)).one()
            assert counter.restored_at == now + timedelta(days=11)
    finally:
        container.close()


def test_prewarned_works_jump_the_queue_and_get_the_short_deadline(
    settings: Settings, tmp_path: Path
) -> None:
    container = enforcement_container(settings, auto_confirm={})  # everything waits for review
    world = build_world()
    sites = demo_sites(world)
    world.sites = [sites["reprints"]]
    try:
        with SimWeb(world.sites) as web, LoopbackSmtpSink() as sink:
            domains = crawl_world(container, world, web, tmp_path)
            now = models.utcnow()
            with container.sessions() as session, session.begin():
                platform = session.scalars(
                    select(models.Platform).where(models.Platform.domain == domains["reprints"])
                ).one()
                work = session.scalars(
                    select(models.Work).where(models.Work.title == world.entry("news-2").title)
                ).one()
                before = [e.work_title for e in review_queue(session, now=now)]
                published = publish_list(
                    session,
                    title="Summer key works",
                    work_ids=[work.id],
                    platform_ids=[platform.id],
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=30),
                    feed_dir=tmp_path / "feeds",
                    actor="officer-li",
                    now=now,
                )
                sent = deliver_list(
                    session,
                    published,
                    SmtpNotifier(sink.host, sink.port, "bureau@example"),
                    sender="bureau@example",
                    language="en",
                    actor="officer-li",
                    now=now,
                )
                acknowledge(
                    session,
                    published.id,
                    platform.id,
                    acknowledged_by="Reprint Net compliance",
                    note=None,
                    actor="officer-li",
                    now=now,
                )
                after = review_queue(session, now=now)
                assert after[0].work_title == work.title and after[0].prewarned
                assert before[-1] == work.title  # the lowest score came last
                feed = Path(published.feed_path or "").read_text(encoding="utf-8")
                assert work.title in feed and "protection_window" in feed
        assert sent == 1 and len(sink.messages) == 1
        attachment = next(sink.messages[0].iter_attachments())
        assert attachment.get_filename() == f"prewarning-{published.id}.json"
        with container.sessions() as session:
            recipient = session.scalars(select(models.PrewarningRecipient)).one()
            assert recipient.acknowledged_by == "Reprint Net compliance"
            ids = [d.id for d in session.scalars(select(models.Detection))]
        with container.sessions() as session, session.begin():
            confirm(session, ids, actor="reviewer-wang", now=now)
            notice = draft_notices(session, container.settings.enforcement, actor="x", now=now)[0]
            assert notice.deadline_at == now + timedelta(hours=24)
            assert all(
                d.status is DetectionStatus.CONFIRMED
                for d in session.scalars(select(models.Detection))
            )
    finally:
        container.close()


def test_listings_images_and_share_links_are_judged_by_what_found_them(
    settings: Settings, tmp_path: Path
) -> None:
    """Listings were matched by title and images by fingerprint: a re-check must use the
    same means, or an untouched listing would look removed. A share link is recorded at the
    thread offering it (the link itself points off the simulated web): the re-check reads
    the thread again, so a deleted thread is verified removed and a kept one still there."""
    # listings and share links are title matches: confirmed only with a threshold of their own
    container = enforcement_container(
        settings, auto_confirm={"text": 0.5, "image": 0.5, "title": 0.5}
    )
    world = build_world()
    world.sites = [site for site in world.sites if site.key in ("shop", "gallery", "forum")]
    sites = {site.key: site for site in world.sites}
    try:
        with SimWeb(world.sites) as web, LoopbackSmtpSink() as sink:
            crawl_world(container, world, web, tmp_path)
            now = models.utcnow()
            run_enforcement_cycle(
                container.sessions,
                container.settings.enforcement,
                container.notifier("smtp", smtp_host=sink.host, smtp_port=sink.port),
                now=now,
            )
            del sites["shop"].routes["/item/2.html"]
            gallery_images = sorted(p for p in sites["gallery"].routes if p.endswith(".jpg"))
            with container.sessions() as session:
                noticed = set(session.scalars(select(models.NoticeItem.url)))
            removed_image = next(
                p for p in gallery_images if base_of(web, "gallery") + p in noticed
            )
            del sites["gallery"].routes[removed_image]
            del sites["forum"].routes["/thread-1.html"]
            summary = recheck_due(
                container,
                now=now + timedelta(days=20),
                url_filter=lambda url: url.startswith("http://127.0.0.1:"),
            )
        with container.sessions() as session:
            by_url: dict[str, set[NoticeItemStatus]] = {}
            for item in session.scalars(select(models.NoticeItem)):
                by_url.setdefault(item.url, set()).add(item.status)
        shop, gallery = base_of(web, "shop"), base_of(web, "gallery")
        assert by_url[shop + "/item/2.html"] == {NoticeItemStatus.REMOVED}
        assert by_url[shop + "/item/1.html"] == {NoticeItemStatus.STILL_THERE}
        assert by_url[gallery + removed_image] == {NoticeItemStatus.REMOVED}
        other_images = {u for u in by_url if u.startswith(gallery) and u != gallery + removed_image}
        assert other_images and all(
            by_url[u] == {NoticeItemStatus.STILL_THERE} for u in other_images
        )
        forum = base_of(web, "forum")
        assert all(u.startswith("http://127.0.0.1:") for u in by_url), "links stay in details"
        assert by_url[forum + "/thread-1.html"] == {NoticeItemStatus.REMOVED}
        assert by_url[forum + "/thread-2.html"] == {NoticeItemStatus.STILL_THERE}
        assert summary.items_unverified == 0
    finally:
        container.close()


def base_of(web: SimWeb, key: str) -> str:
    return web.base_urls[key]
