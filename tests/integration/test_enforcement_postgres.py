"""The enforcement loop on PostgreSQL: notices, a re-check and the briefing figures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.bootstrap import bootstrap
from swordnet.demo.campaign import write_catalogue
from swordnet.domain.kinds import NoticeStatus
from swordnet.services.briefing import build_briefing
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.services.enforcement.compliance import recheck_due
from swordnet.services.enforcement.cycle import run_enforcement_cycle
from swordnet.services.enforcement.escalation import escalate
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.settings import EnforcementSettings, Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world
from swordnet.storage import models


@pytest.mark.postgres
def test_notice_recheck_and_escalation_on_postgresql(
    settings: Settings, postgres_url: str, tmp_path: Path
) -> None:
    container = bootstrap(
        settings.model_copy(
            update={
                "database_url": postgres_url,
                "enforcement": EnforcementSettings(repeat_ignored_notices=1, language="en"),
            }
        )
    )
    world = build_world()
    world.sites = [site for site in world.sites if site.key == "novels"]
    novels = world.sites[0]
    try:
        register_files(container, write_catalogue(world, tmp_path / "catalogue"))
        with SimWeb(world.sites) as web, LoopbackSmtpSink() as sink:
            with container.sessions() as session, session.begin():
                get_or_create_platform(session, site_key(web.base_urls["novels"]), name=novels.name)
            crawl(container, [web.base_urls["novels"] + "/"], CrawlPolicy(max_pages=30))
            now = models.utcnow()
            summary = run_enforcement_cycle(
                container.sessions,
                container.settings.enforcement,
                container.notifier("smtp", smtp_host=sink.host, smtp_port=sink.port),
                now=now,
            )
            assert summary.notices_sent == 1 and len(sink.messages) == 1
            text = sink.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
            assert "Article 14" in text
            for path in ("/book/1/1.html", "/book/1/2.html"):
                del novels.routes[path]
            compliance = recheck_due(container, now=now + timedelta(days=2))
            escalation = escalate(
                container.sessions, container.settings.enforcement, now=now + timedelta(days=2)
            )
        assert compliance.items_removed == 2 and compliance.items_still_there == 3
        assert escalation.sites == []  # partly complied: not ignored
        with container.sessions() as session:
            notice = session.scalars(select(models.Notice)).one()
            assert notice.status is NoticeStatus.PARTLY_COMPLIED
            briefing = build_briefing(session)
            assert briefing.links_verified_deleted == 2 and briefing.notices_sent == 1
    finally:
        container.close()
