"""The crawl loop: fetch politely, capture as evidence, analyse in workers, store, follow.

One run at a time per engine. The loop keeps up to ``concurrency`` URLs in flight (at
most ``per_host_concurrency`` per host); each finished fetch is analysed in the worker
pool, then stored in one transaction together with its frontier state, so that a crash
loses only what was in flight and repeats nothing that was stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import select

from swordnet.adapters.warc import WarcRecorder
from swordnet.bootstrap import Container
from swordnet.crawler import frontier
from swordnet.crawler.analysis import Analysis, ResponseJob, analyse_response
from swordnet.crawler.politeness import HostPacer, RobotsCache
from swordnet.crawler.sniff import sniff_media_type
from swordnet.crawler.store import PageStore
from swordnet.crawler.streams import HLS_TYPES, assemble_stream
from swordnet.crawler.urls import TrapGuard, canonical_url
from swordnet.modalities.video.hls import StreamBudget
from swordnet.plugins.fetchers import Fetcher, FetchResult
from swordnet.services.platforms import site_key
from swordnet.settings import CrawlerSettings
from swordnet.storage import models

log = logging.getLogger(__name__)
_TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
_MAX_RETRY_DELAY_S = 30.0


@dataclass(frozen=True, slots=True)
class CrawlPolicy:
    max_pages: int = 500
    max_bytes: int = 200 * 1024 * 1024
    max_depth: int = 5
    max_seconds: float = 3600.0
    obey_robots: bool = True
    concurrency: int = 16
    per_host_concurrency: int = 4
    per_host_delay_s: float = 0.0
    max_attempts: int = 3
    retry_base_s: float = 0.5
    media_off_site: bool = True  # pirate pages keep their images and videos on CDNs

    @classmethod
    def from_settings(cls, crawler: CrawlerSettings, **overrides: object) -> CrawlPolicy:
        base = cls(
            max_pages=crawler.max_pages,
            max_depth=crawler.max_depth,
            obey_robots=crawler.obey_robots,
            per_host_concurrency=crawler.per_host_concurrency,
            per_host_delay_s=crawler.per_host_delay_s,
        )
        return base if not overrides else cls(**{**_as_dict(base), **overrides})  # type: ignore[arg-type]


def _as_dict(policy: CrawlPolicy) -> dict[str, object]:
    return {name: getattr(policy, name) for name in CrawlPolicy.__dataclass_fields__}


@dataclass
class CrawlReport:
    run_id: int
    pages: int = 0
    failures: int = 0
    refused: int = 0
    bytes: int = 0
    new_detections: int = 0
    stopped_because: str = ""
    errors: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # fetch, analyse, store
    screenshots: int = 0

    def add_time(self, stage: str, seconds: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds


class CrawlEngine:
    def __init__(
        self,
        container: Container,
        run_id: int,
        policy: CrawlPolicy,
        scope: set[str],
        *,
        campaign_id: int | None = None,
        platform_id: int | None = None,
    ) -> None:
        self.container = container
        self.run_id = run_id
        self.policy = policy
        self.scope = scope
        self.traps = TrapGuard()
        self.store = PageStore(container, run_id, campaign_id=campaign_id, platform_id=platform_id)
        self.report = self.store.report_so_far()
        self._settings_json = container.settings.model_dump_json()

    async def run(self) -> CrawlReport:
        with self.container.sessions() as session:
            self.container.indexes.persist_all(session)  # workers match against these files
        fetcher = self.container.fetcher()
        robots = RobotsCache(fetcher, self.container.settings.crawler.user_agent)
        pacer = HostPacer(self.policy.per_host_concurrency, self.policy.per_host_delay_s)
        recorder = WarcRecorder(self.container.settings.warc_dir / f"run-{self.run_id:06d}.warc.gz")
        self.store.recorder = recorder
        deadline = time.monotonic() + self.policy.max_seconds
        in_flight: dict[int, asyncio.Task[None]] = {}
        try:
            while True:
                self.store.flush_if_due(self.report)
                if not in_flight:
                    self.store.flush(self.report)  # nothing else to wait for: store now
                busy = set(in_flight) | self.store.pending_ids
                reason = self._budget_spent(deadline)
                if reason:
                    self.report.stopped_because = reason
                    break
                room = min(
                    self.policy.concurrency - len(in_flight),
                    self.policy.max_pages - self.report.pages - self.report.failures - len(busy),
                )
                if in_flight and room < max(1, self.policy.concurrency // 4):
                    room = 0  # refill in bulk: one frontier query per several pages
                with self.container.sessions() as session:
                    batch = frontier.next_batch(session, self.run_id, room, busy, _now())
                    for entry in batch:
                        task = asyncio.create_task(self._visit(entry, fetcher, robots, pacer))
                        in_flight[entry.id] = task
                    if not in_flight:
                        if frontier.queued_count(session, self.run_id) == 0:
                            self.report.stopped_because = "frontier empty"
                            break
                        retry_at = frontier.earliest_retry(session, self.run_id)
                        wait = (retry_at - _now()).total_seconds() if retry_at else 0.1
                        await asyncio.sleep(min(max(wait, 0.01), 1.0))
                        continue
                done, _ = await asyncio.wait(
                    in_flight.values(),
                    timeout=self.store.flush_interval_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for entry_id, task in list(in_flight.items()):
                    if task in done:
                        del in_flight[entry_id]
                        error = task.exception()
                        if error is not None:
                            # settle the URL, or the loop would pick it up again forever
                            log.error("crawl of frontier entry %s failed", entry_id, exc_info=error)
                            self.store.record_crash(self.report, entry_id, error)
        finally:
            for task in in_flight.values():
                task.cancel()  # still queued in the frontier: a resumed run fetches them
            await asyncio.gather(*in_flight.values(), return_exceptions=True)
            await fetcher.aclose()
            recorder.close()
        self.store.close_run(self.report)
        return self.report

    def _budget_spent(self, deadline: float) -> str:
        """Why to stop now, counting what is stored (in-flight pages may still finish)."""
        processed = self.report.pages + self.report.failures
        if processed >= self.policy.max_pages:
            return f"page budget of {self.policy.max_pages} reached"
        if self.report.bytes >= self.policy.max_bytes:
            return f"byte budget of {self.policy.max_bytes} reached"
        if time.monotonic() >= deadline:
            return f"time budget of {self.policy.max_seconds:g} s reached"
        return ""

    async def _visit(
        self, entry: frontier.FrontierEntry, fetcher: Fetcher, robots: RobotsCache, pacer: HostPacer
    ) -> None:
        url = entry.url
        if self.policy.obey_robots and not await robots.allowed(url):
            self.store.record_refusal(self.report, entry, "robots.txt disallows this URL")
            return
        host = site_key(url)
        delay = await robots.crawl_delay(url) if self.policy.obey_robots else 0.0
        await pacer.acquire(host, delay)
        started = time.perf_counter()
        try:
            response = await fetcher.fetch(url)
        finally:
            pacer.release(host)
            self.report.add_time("fetch", time.perf_counter() - started)
        if self._should_retry(response, entry):
            self.store.record_retry(
                entry, self._retry_delay(response, entry), _describe(response), _now()
            )
            return
        analysis: Analysis | None = None
        media_type = sniff_media_type(response.media_type, response.body) if response.ok else ""
        name = None
        if response.ok and media_type in HLS_TYPES:
            budget = StreamBudget(
                max_bytes=min(self.policy.max_bytes, 256 * 1024 * 1024),
                max_wall_s=min(self.policy.max_seconds, 300.0),
            )
            response = await assemble_stream(response, fetcher, budget)
            media_type, name = response.media_type, response.final_url
            response = replace(response, final_url=entry.url)  # captured under its own URL
        if response.ok and response.body:
            job = ResponseJob(
                response.final_url, media_type, response.body, None, self._settings_json, name
            )
            started = time.perf_counter()
            try:
                analysis = await self.container.executor.run(analyse_response, job)
                self.report.add_time("analyse", time.perf_counter() - started)
            except Exception as exc:  # a worker crash on one hostile page must not stop the run
                log.exception("analysis of %s failed", url)
                analysis = Analysis()
                self.report.errors.append(f"{url}: analysis failed: {type(exc).__name__}: {exc}")
        links = self._links_to_follow(entry, analysis) if analysis is not None else ([], [])
        started = time.perf_counter()
        self.store.record_response(self.report, entry, response, media_type, analysis, links)
        self.report.add_time("store", time.perf_counter() - started)

    def _should_retry(self, response: FetchResult, entry: frontier.FrontierEntry) -> bool:
        if response.refused or entry.attempts + 1 >= self.policy.max_attempts:
            return False
        return response.retryable or response.status in _TRANSIENT_STATUSES

    def _retry_delay(self, response: FetchResult, entry: frontier.FrontierEntry) -> float:
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            return min(float(retry_after), _MAX_RETRY_DELAY_S)
        backoff: float = self.policy.retry_base_s * 2.0**entry.attempts
        return min(backoff, _MAX_RETRY_DELAY_S)

    def _links_to_follow(
        self, entry: frontier.FrontierEntry, analysis: Analysis
    ) -> tuple[list[tuple[str, int]], list[tuple[str, str]]]:
        """(URLs to queue with depth, URLs skipped with the reason)."""
        follow: list[tuple[str, int]] = []
        skipped: list[tuple[str, str]] = []
        depth = entry.depth + 1
        if depth > self.policy.max_depth:
            return follow, skipped
        for raw, media_kind in analysis.links:
            url = canonical_url(raw)
            in_scope = site_key(url) in self.scope or (
                media_kind is not None and self.policy.media_off_site
            )
            if not in_scope:
                continue
            reason = self.traps.reason_to_skip(url)
            if reason:
                skipped.append((url, reason))
            else:
                follow.append((url, depth))
        return follow, skipped


def _describe(response: FetchResult) -> str:
    return response.error or f"HTTP {response.status}"


def _now() -> datetime:
    return datetime.now(UTC)


def latest_open_run(container: Container, target_id: int) -> int | None:
    with container.sessions() as session:
        return session.scalar(
            select(models.CrawlRun.id)
            .where(models.CrawlRun.target_id == target_id, models.CrawlRun.status == "running")
            .order_by(models.CrawlRun.id.desc())
            .limit(1)
        )
