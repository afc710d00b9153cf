"""Crawling seeds once, outside any monitoring target (the demo, ad-hoc checks)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from swordnet.crawler import frontier
from swordnet.crawler.engine import CrawlEngine, CrawlNeeds, CrawlPolicy, CrawlReport
from swordnet.crawler.urls import LinkFilter
from swordnet.domain.urls import canonical_url, site_key
from swordnet.services.context import AppContext
from swordnet.services.crawl_records import CrawlRecorder
from swordnet.services.detection_pipeline import prepare_indexes
from swordnet.storage import models

__all__ = ["CrawlPolicy", "CrawlReport", "crawl", "crawl_engine", "latest_open_run", "new_run"]


def new_run(container: AppContext, seeds: list[str], target_id: int | None = None) -> int:
    with container.sessions() as session, session.begin():
        run = models.CrawlRun(target_id=target_id)
        session.add(run)
        session.flush()
        frontier.enqueue(session, run.id, [(canonical_url(seed), 0) for seed in seeds])
        return run.id


def crawl_engine(
    container: AppContext,
    run_id: int,
    policy: CrawlPolicy,
    scope: set[str],
    *,
    campaign_id: int | None = None,
    platform_id: int | None = None,
) -> CrawlEngine:
    """A crawl engine for a run, wired to the records; the indexes are written first, since
    the analysis workers match against the saved files."""
    prepare_indexes(container)
    links = LinkFilter(scope, policy.max_depth, policy.media_off_site)
    recorder = CrawlRecorder(
        container, run_id, links, campaign_id=campaign_id, platform_id=platform_id
    )
    needs = CrawlNeeds(
        container.settings, container.sessions, container.fetcher, container.executor
    )
    return CrawlEngine(needs, run_id, policy, recorder)


def latest_open_run(container: AppContext, target_id: int) -> int | None:
    with container.sessions() as session:
        return session.scalar(
            select(models.CrawlRun.id)
            .where(models.CrawlRun.target_id == target_id, models.CrawlRun.status == "running")
            .order_by(models.CrawlRun.id.desc())
            .limit(1)
        )


def crawl(
    container: AppContext,
    seeds: list[str],
    policy: CrawlPolicy | None = None,
    *,
    campaign_id: int | None = None,
) -> CrawlReport:
    """Crawl the seeds' sites within the policy's budget and store what was found."""
    policy = policy or CrawlPolicy.from_settings(container.settings.crawler)
    run_id = new_run(container, seeds)
    scope = {site_key(canonical_url(seed)) for seed in seeds}
    engine = crawl_engine(container, run_id, policy, scope, campaign_id=campaign_id)
    return asyncio.run(engine.run())
