"""Monitoring targets: what to crawl, on which schedule, within which budget."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote_plus

import lxml.etree  # type: ignore[import-untyped]
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from swordnet.crawler.engine import CrawlEngine, CrawlPolicy, CrawlReport
from swordnet.domain.errors import NotConfigured, NotFoundError, SwordNetError
from swordnet.domain.urls import canonical_url
from swordnet.services import audit
from swordnet.services.context import AppContext
from swordnet.services.crawling import crawl_engine, latest_open_run, new_run
from swordnet.services.enforcement.prewarning import ProtectionWindows
from swordnet.services.leases import TargetBusyError, TargetLease
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.services.screenshots import screenshot_detections
from swordnet.storage import models

log = logging.getLogger(__name__)
_MAX_SITEMAP_URLS = 50_000


@dataclass(frozen=True, slots=True)
class TargetSpec:
    name: str
    seeds: list[str] = field(default_factory=list)
    sitemap_url: str | None = None
    query_template: str | None = None  # "https://site/search?q={query}"
    interval_s: int = 86400
    max_pages: int = 500
    max_bytes: int = 200 * 1024 * 1024
    max_depth: int = 5
    max_seconds: int = 3600
    obey_robots: bool = True
    platform: str | None = None  # domain of the platform this target watches
    campaign_id: int | None = None
    # whose target it is (who may see it; an officer adds their region's); None: its
    # platform's region
    region_code: str | None = None


def add_target(sessions: sessionmaker[Session], spec: TargetSpec, *, actor: str = "cli") -> int:
    if not (spec.seeds or spec.sitemap_url or spec.query_template):
        raise SwordNetError("a target needs seed URLs, a sitemap or a search query template")
    if spec.query_template and "{query}" not in spec.query_template:
        raise SwordNetError("the query template must contain {query}")
    for url in [*spec.seeds, *([spec.sitemap_url] if spec.sitemap_url else [])]:
        if not url.startswith(("http://", "https://")):
            raise SwordNetError(f"not an http(s) URL: {url}")
        try:
            canonical_url(url)
        except ValueError as exc:
            raise SwordNetError(
                f"malformed URL, correct it and add the target again: {exc}"
            ) from None
    try:
        with sessions() as session, session.begin():
            if session.scalar(
                select(models.MonitoringTarget.id).where(models.MonitoringTarget.name == spec.name)
            ):
                raise SwordNetError(f"a target named {spec.name!r} exists already")
            platform_id, region_code = None, spec.region_code
            if spec.platform or spec.seeds:
                domain = spec.platform or site_key(spec.seeds[0])
                platform = get_or_create_platform(session, domain)
                platform_id = platform.id
                region_code = region_code or platform.region_code
            if region_code is not None and session.get(models.Region, region_code) is None:
                raise SwordNetError(
                    f"no region {region_code!r}: see `swordnet regions list`, or import it first"
                )
            target = models.MonitoringTarget(
                name=spec.name,
                platform_id=platform_id,
                campaign_id=spec.campaign_id,
                region_code=region_code,
                seeds=[canonical_url(seed) for seed in spec.seeds],
                sitemap_url=spec.sitemap_url,
                query_template=spec.query_template,
                interval_s=spec.interval_s,
                max_pages=spec.max_pages,
                max_bytes=spec.max_bytes,
                max_depth=spec.max_depth,
                max_seconds=spec.max_seconds,
                obey_robots=spec.obey_robots,
                next_run_at=models.utcnow(),
                created_by=actor,
            )
            session.add(target)
            session.flush()
            audit.record(
                session, actor, "target.added", "monitoring_target", target.id, name=spec.name
            )
            return target.id
    except IntegrityError:
        # another process added a target of that name between the check and the insert
        raise SwordNetError(f"a target named {spec.name!r} exists already") from None


def list_targets(sessions: sessionmaker[Session]) -> list[models.MonitoringTarget]:
    with sessions() as session:
        return list(
            session.scalars(select(models.MonitoringTarget).order_by(models.MonitoringTarget.id))
        )


def find_target(sessions: sessionmaker[Session], name_or_id: str) -> models.MonitoringTarget:
    with sessions() as session:
        query = select(models.MonitoringTarget).where(
            or_(
                models.MonitoringTarget.name == name_or_id,
                models.MonitoringTarget.id == (int(name_or_id) if name_or_id.isdigit() else -1),
            )
        )
        target = session.scalars(query).first()
    if target is None:
        raise NotFoundError(f"no monitoring target {name_or_id!r}")
    return target


def _policy(container: AppContext, target: models.MonitoringTarget) -> CrawlPolicy:
    return CrawlPolicy.from_settings(
        container.settings.crawler,
        max_pages=target.max_pages,
        max_bytes=target.max_bytes,
        max_depth=target.max_depth,
        max_seconds=float(target.max_seconds),
        obey_robots=target.obey_robots,
    )


async def _seed_urls(container: AppContext, target: models.MonitoringTarget) -> list[str]:
    seeds = []
    for seed in target.seeds:
        try:
            seeds.append(canonical_url(seed))
        except ValueError as exc:  # stored by a version that did not check seeds
            raise SwordNetError(
                f"target {target.name!r} has a malformed seed ({exc}); "
                f"remove the target and add it again with corrected seeds"
            ) from None
    found: list[str] = []
    if target.query_template:
        with container.sessions() as session:
            # key works, and works a pre-warning list protects now
            protected = ProtectionWindows.load(session).protected_at(models.utcnow())
            titles = list(
                session.scalars(
                    select(models.Work.title).where(
                        models.Work.key_work | models.Work.id.in_(protected)
                    )
                )
            )
            if not titles:
                titles = list(session.scalars(select(models.Work.title).limit(200)))
        found += [target.query_template.replace("{query}", quote_plus(title)) for title in titles]
    if target.sitemap_url:
        found += await read_sitemap(container, target.sitemap_url)
    for url in found:
        try:
            seeds.append(canonical_url(url))
        except ValueError as exc:  # one bad sitemap entry costs that entry only
            log.warning("target %s: skipped a malformed URL: %s", target.name, exc)
    return seeds


async def read_sitemap(container: AppContext, url: str, *, depth: int = 0) -> list[str]:
    """Page URLs of a sitemap or sitemap index (nested at most two levels)."""
    fetcher = container.fetcher()
    try:
        response = await fetcher.fetch(url)
    finally:
        await fetcher.aclose()
    if not response.ok:
        log.warning("sitemap %s: %s", url, response.error or f"HTTP {response.status}")
        return []
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(response.body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        log.warning("sitemap %s is not valid XML: %s", url, exc)
        return []
    locations = [str(text).strip() for text in root.xpath("//*[local-name()='loc']/text()")]
    if root.tag.endswith("sitemapindex") and depth < 2:
        pages: list[str] = []
        for child in locations[:100]:
            pages += await read_sitemap(container, child, depth=depth + 1)
        return pages[:_MAX_SITEMAP_URLS]
    return locations[:_MAX_SITEMAP_URLS]


def run_target(container: AppContext, name_or_id: str) -> CrawlReport:
    """Run a target now, resuming its interrupted run if there is one.

    Raises ``TargetBusyError`` when another process crawls the target at this moment.
    """
    target = find_target(container.sessions, name_or_id)
    engines: list[CrawlEngine] = []

    def lease_lost(reason: str) -> None:
        for engine in engines:
            engine.stop(reason)

    with TargetLease(container.sessions, target.id).held(on_lost=lease_lost):
        run_id = latest_open_run(container, target.id)
        if run_id is None:
            seeds = asyncio.run(_seed_urls(container, target))
            run_id = new_run(container, seeds, target_id=target.id)
        with container.sessions() as session:
            seeds = list(
                session.scalars(
                    select(models.FrontierUrl.url).where(
                        models.FrontierUrl.run_id == run_id, models.FrontierUrl.depth == 0
                    )
                )
            )
        scope = {site_key(url) for url in seeds} | (
            {site_key(target.seeds[0])} if target.seeds else set()
        )
        engine = crawl_engine(
            container, run_id, _policy(container, target), scope, campaign_id=target.campaign_id
        )
        engines.append(engine)
        report = asyncio.run(engine.run())
        if container.settings.crawler.screenshots:
            take_screenshots(container, report)
        with container.sessions() as session, session.begin():
            row = session.get_one(models.MonitoringTarget, target.id)
            row.last_run_at = models.utcnow()
            row.next_run_at = row.last_run_at + timedelta(seconds=row.interval_s)
    return report


def take_screenshots(container: AppContext, report: CrawlReport) -> None:
    """Screenshot the run's pages with detections; a missing browser is reported, not fatal."""
    try:
        shots = screenshot_detections(container, report.run_id)
    except NotConfigured as exc:
        report.errors.append(f"screenshots skipped: {exc}")
        return
    report.screenshots = shots.taken
    report.errors.extend(shots.failed)


def due_targets(sessions: sessionmaker[Session], now: datetime) -> list[models.MonitoringTarget]:
    with sessions() as session:
        return list(
            session.scalars(
                select(models.MonitoringTarget)
                .where(
                    models.MonitoringTarget.enabled,
                    or_(
                        models.MonitoringTarget.next_run_at.is_(None),
                        models.MonitoringTarget.next_run_at <= now,
                    ),
                )
                .order_by(models.MonitoringTarget.next_run_at)
            )
        )


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    """One due target's run: its report, or why it could not run."""

    name: str
    report: CrawlReport | None
    error: str | None = None
    skipped: str | None = None  # crawled by another process right now: not a failure


def _run_guarded(container: AppContext, target: models.MonitoringTarget) -> TargetOutcome:
    """Run one target; its failure is returned, so that the other due targets still run."""
    try:
        return TargetOutcome(target.name, run_target(container, str(target.id)))
    except TargetBusyError as busy:
        log.info("target %s skipped: %s", target.name, busy)
        return TargetOutcome(target.name, None, skipped=str(busy))
    except SwordNetError as exc:
        log.warning("target %s failed: %s", target.name, exc)
        return TargetOutcome(target.name, None, str(exc))
    except Exception as exc:  # a defect: logged with its traceback, reported, not fatal
        log.exception("target %s failed", target.name)
        return TargetOutcome(target.name, None, f"internal error: {type(exc).__name__}: {exc}")


def run_due(container: AppContext) -> list[TargetOutcome]:
    """Run every due target, each whatever became of the others."""
    return [
        _run_guarded(container, target)
        for target in due_targets(container.sessions, models.utcnow())
    ]


def run_forever(
    container: AppContext,
    *,
    poll_s: float = 30.0,
    stop: threading.Event | None = None,
    on_outcome: Callable[[TargetOutcome], None] | None = None,
) -> None:
    """Run due targets until ``stop`` is set; a failing target is reported, the loop goes on."""
    stop = stop or threading.Event()
    while not stop.is_set():
        for target in due_targets(container.sessions, models.utcnow()):
            if stop.is_set():
                break
            outcome = _run_guarded(container, target)
            if on_outcome is not None:
                on_outcome(outcome)
        stop.wait(poll_s)
