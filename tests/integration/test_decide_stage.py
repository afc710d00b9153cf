"""The decide stage on the simulated web: licenses and white lists are applied as
detections are recorded and again when they change, with no ``review authorise --check``;
title matches wait for a person and are worded as title matches in notices."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from swordnet.bootstrap import Container, bootstrap
from swordnet.cli.app import app
from swordnet.demo.campaign import write_catalogue
from swordnet.domain.kinds import DetectionStatus
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.services.enforcement.authorisation import redecide_detections
from swordnet.services.enforcement.notices import draft_notices
from swordnet.services.enforcement.review import (
    auto_confirm,
    confirm,
    dismiss,
    mark_authorised,
)
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.settings import Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import World, build_world
from swordnet.storage import models


def only_sites(*keys: str) -> World:
    world = build_world()
    world.sites = [site for site in world.sites if site.key in keys]
    return world


def crawl_sites(container: Container, world: World, web: SimWeb) -> None:
    for site in world.sites:
        with container.sessions() as session, session.begin():
            get_or_create_platform(session, site_key(web.base_urls[site.key]), name=site.name)
        crawl(container, [web.base_urls[site.key] + "/"], CrawlPolicy(max_pages=30))


def cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def detections_on(session: Session, base: str) -> list[models.Detection]:
    query = select(models.Detection).where(models.Detection.url.startswith(base + "/"))
    return list(session.scalars(query.order_by(models.Detection.id)))


def test_a_white_listed_site_crawled_on_a_fresh_home_is_authorised_and_never_noticed(
    settings: Settings, tmp_path: Path
) -> None:
    world = only_sites("licensed", "reprints")
    with SimWeb(world.sites) as web:
        licensed = site_key(web.base_urls["licensed"])
        # as a new user would: the white list first, through the command line, then a crawl
        cli(
            settings.home, "whitelist", "add", licensed, "--name", "Wire", "--scope", "news_article"
        )
        container = bootstrap(settings)
        try:
            register_files(container, write_catalogue(world, tmp_path / "catalogue"))
            crawl_sites(container, world, web)
            now = models.utcnow()
            with container.sessions() as session, session.begin():
                auto_confirm(
                    session,
                    thresholds(container),
                    actor="x",
                    now=now,
                )
                notices = draft_notices(session, container.settings.enforcement, actor="x", now=now)
                recipients = {n.platform.domain for n in notices if n.platform}
                assert recipients == {site_key(web.base_urls["reprints"])}
                wire = detections_on(session, web.base_urls["licensed"])
                assert wire and all(d.status is DetectionStatus.AUTHORISED for d in wire)
                entry = session.scalars(select(models.WhiteListEntry)).one()
                for detection in wire:
                    assert detection.status_reason == "white list: Wire (scope news_article)"
                    assert detection.details["authorised_by"] == {"white_list_entry_id": entry.id}
                reprinted = detections_on(session, web.base_urls["reprints"])
                assert reprinted and all(
                    d.status is not DetectionStatus.AUTHORISED for d in reprinted
                )
                events = session.scalars(
                    select(models.AuditEvent).where(
                        models.AuditEvent.action == "detection.authorised"
                    )
                ).all()
                assert {e.entity_id for e in events} == {d.id for d in wire}
                assert all(e.data["white_list_entry_id"] == entry.id for e in events)
                assert all(e.data["cause"] == "recorded" for e in events)
        finally:
            container.close()


def crawl_news(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """The licensed partner and the reprint site crawled with nothing on record."""
    world = only_sites("licensed", "reprints")
    container = bootstrap(settings)
    try:
        with SimWeb(world.sites) as web:
            register_files(container, write_catalogue(world, tmp_path / "catalogue"))
            crawl_sites(container, world, web)
            return dict(web.base_urls)
    finally:
        container.close()


def trail_of(session: Session, detection_id: int) -> list[tuple[str, str]]:
    events = session.scalars(
        select(models.AuditEvent)
        .where(models.AuditEvent.entity == "detection")
        .where(models.AuditEvent.entity_id == detection_id)
        .order_by(models.AuditEvent.id)
    )
    return [(e.action, e.actor) for e in events]


def test_a_license_added_later_authorises_unnoticed_detections_and_removing_it_reopens_them(
    settings: Settings, tmp_path: Path
) -> None:
    base = crawl_news(settings, tmp_path)
    container = bootstrap(settings)
    try:
        now = models.utcnow()
        with container.sessions() as session, session.begin():
            (wire,) = detections_on(session, base["licensed"])
            assert wire.status is DetectionStatus.NEW  # nothing on record yet
            confirm(session, [wire.id], actor="wang", now=now)  # confirmed, not yet noticed
            work_id, wire_id = wire.work_id, wire.id
        # a license through the command line: its detections are decided again at once
        out = cli(
            settings.home,
            *("licenses", "add", "--work", str(work_id), "--licensee", "Wire Partner"),
            *("--domain", site_key(base["licensed"]), "--as", "officer"),
        )
        assert "1 detection(s) authorised" in out
        with container.sessions() as session:
            wire = session.get_one(models.Detection, wire_id)
            license_id = session.scalars(select(models.License.id)).one()
            assert wire.status is DetectionStatus.AUTHORISED
            assert wire.status_reason == f"license #{license_id} to Wire Partner"
            assert wire.details["authorised_by"] == {"license_id": license_id}
        # the license withdrawn: what it authorised is open for review again
        with container.sessions() as session, session.begin():
            session.delete(session.get_one(models.License, license_id))
            session.flush()
            report = redecide_detections(session, actor="officer", now=now, work_ids=[work_id])
            assert report.reopened == [wire_id] and report.authorised == []
            wire = session.get_one(models.Detection, wire_id)
            assert wire.status is DetectionStatus.NEW
            assert "authorised_by" not in wire.details
            assert "no license or white-list entry" in (wire.status_reason or "")
        with container.sessions() as session:
            assert trail_of(session, wire_id)[-2:] == [
                ("detection.authorised", "unauthenticated CLI user officer"),
                ("detection.reopened", "officer"),
            ]
    finally:
        container.close()


def test_re_deciding_leaves_noticed_detections_and_decisions_by_hand_alone(
    settings: Settings, tmp_path: Path
) -> None:
    base = crawl_news(settings, tmp_path)
    container = bootstrap(settings)
    try:
        now = models.utcnow()
        with container.sessions() as session, session.begin():
            by_hand, dismissed, *noticed = detections_on(session, base["reprints"])
            mark_authorised(session, [by_hand.id], actor="li", now=now, reason="letter 2017-042")
            dismiss(session, [dismissed.id], actor="li", now=now, reason="quotation")
            noticed_ids = [d.id for d in noticed]
            confirm(session, noticed_ids, actor="wang", now=now)
            draft_notices(
                session,
                container.settings.enforcement,
                actor="x",
                now=now,
                detection_ids=noticed_ids,
            )
            (wire,) = detections_on(session, base["licensed"])
            everything = models.WhiteListEntry(domain="127.0.0.1", name="Everything")
            session.add(everything)
            session.flush()
            added = redecide_detections(session, actor="officer", now=now)
            assert added.authorised == [wire.id]
            session.delete(everything)
            session.flush()
            removed = redecide_detections(session, actor="officer", now=now)
            assert removed.reopened == [wire.id]
            statuses = {d.id: d.status for d in session.scalars(select(models.Detection))}
        assert statuses[by_hand.id] is DetectionStatus.AUTHORISED
        assert statuses[dismissed.id] is DetectionStatus.DISMISSED
        assert noticed_ids and all(statuses[i] is DetectionStatus.CONFIRMED for i in noticed_ids)
        assert statuses[wire.id] is DetectionStatus.NEW
    finally:
        container.close()


def test_a_listing_matched_by_title_waits_for_a_person_and_its_notice_says_so(
    settings: Settings, tmp_path: Path
) -> None:
    world = only_sites("shop")
    container = bootstrap(settings)  # default thresholds: none for title matches
    try:
        with SimWeb(world.sites) as web:
            register_files(container, write_catalogue(world, tmp_path / "catalogue"))
            crawl_sites(container, world, web)
        now = models.utcnow()
        with container.sessions() as session, session.begin():
            titled = session.scalars(
                select(models.Detection).where(models.Detection.signal == "title")
            ).all()
            assert titled and all(d.score >= 0.9 for d in titled)  # above the text threshold
            auto_confirm(
                session,
                thresholds(container),
                actor="x",
                now=now,
            )
            assert all(d.status is DetectionStatus.NEW for d in titled)
            ids = [d.id for d in titled]
            confirm(session, ids, actor="wang", now=now)
            texts = {}
            for language in ("en", "zh"):
                (notice,) = draft_notices(
                    session,
                    container.settings.enforcement,
                    actor="x",
                    now=now,
                    language=language,
                    detection_ids=ids,
                )
                texts[language] = notice.body_text or ""
                session.delete(notice)  # each detection is noticed once: draft the other language
                session.flush()
        assert "title and listing details match the work" in texts["en"]
        assert "similarity" not in texts["en"]
        assert "标题及商品信息与作品相符" in texts["zh"]
        assert "相似度" not in texts["zh"] and "文本" not in texts["zh"]
    finally:
        container.close()


def thresholds(container: Container) -> dict[str, float]:
    return container.settings.enforcement.auto_confirm_thresholds()
