"""The crawl loop: fetch politely, capture as evidence, analyse in workers, store, follow.

One run at a time per engine. The loop keeps up to ``concurrency`` URLs in flight (at
most ``per_host_concurrency`` per host); each finished fetch is analysed in the worker
pool, then stored in one transaction together with its frontier state, so that a crash
loses only what was in flight and repeats nothing that was stored.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from swordnet.analysis import Analysis, ResponseJob
from swordnet.crawler import frontier
from swordnet.crawler.analysis import Analysed
from swordnet.crawler.capture import WarcFile
from swordnet.crawler.feed import AnalysisFeed
from swordnet.crawler.page_sink import PageSink, Visited
from swordnet.crawler.politeness import HostPacer, RobotsCache
from swordnet.crawler.streams import prepare_response
from swordnet.crawler.writer import StoreWriter
from swordnet.domain.urls import site_key
from swordnet.execution import BatchExecutor
from swordnet.modalities.video.hls import StreamBudget
from swordnet.plugins.fetchers import ByteMeter, Fetcher, FetchResult
from swordnet.settings import CrawlerSettings, Settings

log = logging.getLogger(__name__)
_TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
_MAX_RETRY_DELAY_S = 30.0
_DRY_RECHECK_S = 0.1  # how often to look again at a frontier with nothing due
T = TypeVar("T")


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


@dataclass(frozen=True, slots=True)
class CrawlNeeds:
    """What a crawl needs from the rest of the system, named (the service builds it)."""

    settings: Settings
    sessions: sessionmaker[Session]  # the frontier's queries
    fetcher: Callable[[], Fetcher]  # a new fetcher per run (it owns connections)
    executor: BatchExecutor  # the analysis workers


class CrawlEngine:
    """Fetch lanes on the event loop, analysis in worker processes, storage in a thread.

    ``concurrency`` lanes each fetch one URL at a time from a queue of due frontier
    entries; a fetched page goes to the analysis workers (``crawler.feed``) and then to the
    store's thread (``crawler.writer``) while its lane fetches the next URL. An entry is
    *busy* from the moment it is handed out until its outcome is committed, so it is never
    handed out twice and the page budget counts it.
    """

    def __init__(
        self, needs: CrawlNeeds, run_id: int, policy: CrawlPolicy, store: PageSink
    ) -> None:
        self.needs = needs
        self.run_id = run_id
        self.policy = policy
        self.store = store
        self.report = self.store.report_so_far()
        self._settings_json = needs.settings.for_workers()
        self._busy: set[int] = set()
        self._settled_since_query = True
        self._stop_reason = ""  # set from any thread by ``stop``

    def stop(self, reason: str) -> None:
        """Stop soon (from any thread): what is stored stays, the rest stays queued."""
        self._stop_reason = self._stop_reason or reason

    async def run(self) -> CrawlReport:
        fetcher = self.needs.fetcher()
        # counts bodies as they arrive, in flight too: the budget bounds what is fetched,
        # not only what is stored (16 lanes of 20 MB used to overshoot it by 320 MB)
        self._meter = fetcher.meter = ByteMeter(self.policy.max_bytes, already=self.report.bytes)
        robots = RobotsCache(fetcher, self.needs.settings.crawler.user_agent)
        pacer = HostPacer(self.policy.per_host_concurrency, self.policy.per_host_delay_s)
        # a file of this process's own: a resumed run never appends to a file another
        # process (perhaps killed mid-record) wrote, so every offset stored is its own
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        warc = WarcFile(self.needs.settings.warc_dir / f"run-{self.run_id:06d}-{stamp}.warc.gz")
        self.store.warc = warc
        # last in, first out: of URLs equally deep, the last found go first, and a list's
        # link to its next page comes last; the frontier itself stays breadth-first
        self._ready: asyncio.Queue[frontier.FrontierEntry] = asyncio.LifoQueue()
        self._wake = asyncio.Event()
        self._writer = StoreWriter(
            self.store, self.report, asyncio.get_running_loop(), self._settled
        )
        self._feed = AnalysisFeed(
            self.needs.executor,
            self._settings_json,
            self._analysed,
            workers=self.needs.settings.workers or os.cpu_count() or 1,
        )
        lanes = [
            asyncio.create_task(self._lane(fetcher, robots, pacer))
            for _ in range(max(1, self.policy.concurrency))
        ]
        # what was loaded before the crawl (modules, settings, the ORM's metadata) stays:
        # left out of the collector, each full collection took ~0.1 s less
        gc.freeze()
        try:
            await self._coordinate(time.monotonic() + self.policy.max_seconds)
        finally:
            gc.unfreeze()
            for lane in lanes:
                lane.cancel()  # what they hold is still queued: a resumed run fetches it
            await asyncio.gather(*lanes, return_exceptions=True)
            self._feed.cancel()
            await fetcher.aclose()
            await self._writer.close()  # stores what is complete
            warc.close()
        self._writer.raise_failure()
        self.report.add_time("analyse", self._feed.busy_seconds)
        self.store.close_run(self.report)
        return self.report

    async def _coordinate(self, deadline: float) -> None:
        """Keep the lanes' queue filled from the frontier until a budget is spent."""
        dry_since: float | None = None  # the frontier had nothing more due
        while True:
            self._writer.raise_failure()
            if self._feed.failure is not None:
                raise self._feed.failure
            reason = self._budget_spent(deadline)
            if reason:
                self.report.stopped_because = reason
                return
            if self._ready.qsize() < self.policy.concurrency and (
                dry_since is None
                or self._settled_since_query
                or time.monotonic() - dry_since > _DRY_RECHECK_S
            ):
                want = await self._refill()
                dry_since = time.monotonic() if want else None
                self._hurry(want > 0)
            if not self._busy and dry_since is not None and not self._settled_since_query:
                queued = await self._writer.query(
                    lambda: _with_session(self.needs.sessions, frontier.queued_count, self.run_id)
                )
                if queued == 0:
                    self.report.stopped_because = "frontier empty"
                    return
            self._wake.clear()
            try:
                async with asyncio.timeout(_DRY_RECHECK_S):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _hurry(self, starved: bool) -> None:
        """While every due URL is handed out, the next ones are in the pages being
        analysed and stored: those go through at once rather than in full batches."""
        self._writer.hurry = self._feed.hurry = starved
        if starved:
            self._feed.send_now()
            self._writer.flush_soon()

    async def _refill(self) -> int:
        """Hand out due entries; returns how many more could have been taken (0: enough)."""
        processed = self.report.pages + self.report.failures
        room = self.policy.max_pages - processed - len(self._busy)
        want = min(room, 2 * self.policy.concurrency - self._ready.qsize())
        if want <= 0:
            return 0
        exclude = set(self._busy)
        self._settled_since_query = False
        batch = await self._writer.query(
            lambda: _with_session(
                self.needs.sessions, frontier.next_batch, self.run_id, want, exclude, _now()
            )
        )
        for entry in batch:
            if entry.id not in self._busy:
                self._busy.add(entry.id)
                self._ready.put_nowait(entry)
        return want - len(batch)

    def _settled(self, entry_ids: list[int]) -> None:
        """Called on the loop once the store committed these entries' outcomes."""
        self._busy.difference_update(entry_ids)
        self._settled_since_query = True
        self._wake.set()

    def _budget_spent(self, deadline: float) -> str:
        """Why to stop now, counting what is stored (in-flight pages may still finish)."""
        if self._stop_reason:
            return self._stop_reason
        processed = self.report.pages + self.report.failures
        if processed >= self.policy.max_pages:
            return f"page budget of {self.policy.max_pages} reached"
        if self.report.bytes >= self.policy.max_bytes or self._meter.spent:
            return f"byte budget of {self.policy.max_bytes} reached"
        if time.monotonic() >= deadline:
            return f"time budget of {self.policy.max_seconds:g} s reached"
        return ""

    async def _lane(self, fetcher: Fetcher, robots: RobotsCache, pacer: HostPacer) -> None:
        while True:
            entry = await self._ready.get()
            if self._ready.qsize() < self.policy.concurrency:
                self._wake.set()
            try:
                await self._visit(entry, fetcher, robots, pacer)
            except Exception as error:
                # settle the URL, or the loop would pick it up again forever
                log.error("crawl of frontier entry %s failed", entry.id, exc_info=error)
                message = f"internal error: {type(error).__name__}: {error}"
                self._writer.settle(entry.id, frontier.FAILED, message, refused=False)

    async def _visit(
        self, entry: frontier.FrontierEntry, fetcher: Fetcher, robots: RobotsCache, pacer: HostPacer
    ) -> None:
        url = entry.url
        if self.policy.obey_robots and not await robots.allowed(url):
            message = f"{url}: robots.txt disallows this URL"
            self._writer.settle(entry.id, frontier.REFUSED, message, refused=True)
            return
        host = site_key(url)
        delay = await robots.crawl_delay(url) if self.policy.obey_robots else 0.0
        await pacer.acquire(host, delay)
        started = time.perf_counter()
        try:
            if self._meter.spent:
                return  # left queued: the run stops on its byte budget, a resumed one fetches it
            response = await fetcher.fetch(url)
        finally:
            pacer.release(host)
            self.report.add_time("fetch", time.perf_counter() - started)
        if response.refused and self._meter.spent:
            self._wake.set()  # cut by the byte budget: left queued, as above
            return
        if self._should_retry(response, entry):
            delay_s, error = self._retry_delay(response, entry), _describe(response)
            self._writer.call(
                lambda: self.store.record_retry(entry, delay_s, error, _now()), [entry.id]
            )
            return
        budget = StreamBudget(
            max_bytes=min(self.policy.max_bytes, 256 * 1024 * 1024),
            max_wall_s=min(self.policy.max_seconds, 300.0),
        )
        response, media_type, name = await prepare_response(response, fetcher, budget)
        if name is not None:
            response = replace(response, final_url=entry.url)  # captured under its own URL
        if response.ok and response.body:
            job = ResponseJob.fetched(response, media_type, name)
            await self._feed.submit(job, (entry, response, media_type))
        else:
            self._writer.store_page(Visited(entry, response, media_type, None))

    def _analysed(self, context: Any, result: Analysed | None, error: str | None) -> None:
        entry, response, media_type = context
        if result is None:  # no record either: the store encodes it from the body
            visited = Visited(entry, response, media_type, Analysis(), None, error)
        else:
            # the worker's record holds the body now: the body itself need not wait for
            # the store (pages wait there in batches), only its size
            size = len(response.body)
            visited = Visited(
                entry,
                replace(response, body=b""),
                media_type,
                result.analysis,
                result.record,
                result.error,
                body_size=size,
            )
        self._writer.store_page(visited)

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


def _with_session(sessions: sessionmaker[Session], query: Callable[..., T], *args: Any) -> T:
    with sessions() as session:
        return query(session, *args)


def _describe(response: FetchResult) -> str:
    return response.error or f"HTTP {response.status}"


def _now() -> datetime:
    return datetime.now(UTC)
