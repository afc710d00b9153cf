"""Crawling seeds once, outside any monitoring target (the demo, ad-hoc checks)."""

from __future__ import annotations

import asyncio

from swordnet.bootstrap import Container
from swordnet.crawler import frontier
from swordnet.crawler.engine import CrawlEngine, CrawlPolicy, CrawlReport
from swordnet.crawler.urls import canonical_url
from swordnet.services.platforms import site_key
from swordnet.storage import models

__all__ = ["CrawlPolicy", "CrawlReport", "crawl", "new_run"]


def new_run(container: Container, seeds: list[str], target_id: int | None = None) -> int:
    with container.sessions() as session, session.begin():
        run = models.CrawlRun(target_id=target_id)
        session.add(run)
        session.flush()
        frontier.enqueue(session, run.id, [(canonical_url(seed), 0) for seed in seeds])
        return run.id


def crawl(
    container: Container,
    seeds: list[str],
    policy: CrawlPolicy | None = None,
    *,
    campaign_id: int | None = None,
) -> CrawlReport:
    """Crawl the seeds' sites within the policy's budget and store what was found."""
    policy = policy or CrawlPolicy.from_settings(container.settings.crawler)
    run_id = new_run(container, seeds)
    scope = {site_key(canonical_url(seed)) for seed in seeds}
    engine = CrawlEngine(container, run_id, policy, scope, campaign_id=campaign_id)
    return asyncio.run(engine.run())
