"""Storing what a crawl saw: captures, extracted items, detections, frontier states.

Pages are written in batches: everything about a batch of URLs (captures, items,
detections, the URLs they lead to, their frontier states and the run's counters) is one
transaction, so a resumed run starts from exactly what was stored. A URL still in the
buffer when the process dies is still ``queued`` in the database and is fetched again.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.adapters.warc import WarcLocation, WarcRecorder
from swordnet.bootstrap import Container
from swordnet.crawler import frontier
from swordnet.crawler.analysis import AnalysedItem, Analysis
from swordnet.domain.kinds import CaptureOutcome
from swordnet.plugins.fetchers import FetchResult
from swordnet.services import audit
from swordnet.services.detections import record_detection
from swordnet.services.matching import resolve_hits
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.services.titles_catalogue import CatalogueTitles
from swordnet.storage import models

if TYPE_CHECKING:
    from swordnet.crawler.engine import CrawlReport

log = logging.getLogger(__name__)
_MAX_ERRORS_KEPT = 200
_TITLED_KINDS = {"listing", "share_link", "torrent", "app"}  # matched to works by their titles
Links = tuple[list[tuple[str, int]], list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class _Visited:
    entry: frontier.FrontierEntry
    response: FetchResult
    media_type: str
    analysis: Analysis | None
    links: Links
    location: WarcLocation | None


class PageStore:
    def __init__(
        self,
        container: Container,
        run_id: int,
        *,
        campaign_id: int | None,
        platform_id: int | None,
        batch_size: int = 32,
        flush_interval_s: float = 0.2,
    ) -> None:
        self.container = container
        self.run_id = run_id
        self.campaign_id = campaign_id
        self.platform_id = platform_id
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.recorder: WarcRecorder | None = None
        self._title_index: CatalogueTitles | None = None
        self._pending: list[_Visited] = []
        self._oldest_pending = 0.0
        self._platforms: dict[str, int] = {}
        with container.sessions() as session:
            self._seen_bodies = set(
                session.scalars(
                    select(models.Capture.sha256).where(
                        models.Capture.run_id == run_id, models.Capture.sha256.is_not(None)
                    )
                )
            )

    # -- reading ------------------------------------------------------------------
    def report_so_far(self) -> CrawlReport:
        from swordnet.crawler.engine import CrawlReport

        with self.container.sessions() as session:
            run = session.get_one(models.CrawlRun, self.run_id)
            return CrawlReport(
                run_id=run.id,
                pages=run.pages,
                failures=run.failures,
                refused=run.refused,
                bytes=run.bytes,
                new_detections=0,
            )

    @property
    def pending_ids(self) -> set[int]:
        """URLs fetched but not stored yet: not to be handed out again."""
        return {visited.entry.id for visited in self._pending}

    # -- writing ------------------------------------------------------------------
    def record_response(
        self,
        report: CrawlReport,
        entry: frontier.FrontierEntry,
        response: FetchResult,
        media_type: str,
        analysis: Analysis | None,
        links: Links,
    ) -> None:
        location = None
        if response.status and self.recorder is not None:
            location = self.recorder.record_response(
                response.final_url, response.status, response.headers, response.body
            )
        if not self._pending:
            self._oldest_pending = time.monotonic()
        self._pending.append(_Visited(entry, response, media_type, analysis, links, location))
        if len(self._pending) >= self.batch_size:
            self.flush(report)

    def flush_if_due(self, report: CrawlReport) -> None:
        if self._pending and time.monotonic() - self._oldest_pending >= self.flush_interval_s:
            self.flush(report)

    def flush(self, report: CrawlReport) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self._write(report, batch)
        except Exception:
            # one poisonous page must not sink the batch: write them one by one
            log.exception("storing a batch of %d pages failed; storing them one by one", len(batch))
            for visited in batch:
                try:
                    self._write(report, [visited])
                except Exception as exc:
                    self.record_crash(report, visited.entry.id, exc)

    def _write(self, report: CrawlReport, batch: list[_Visited]) -> None:
        counters = _Counters()
        with self.container.sessions() as session, session.begin():
            follow: dict[str, int] = {}
            skipped: dict[str, tuple[int, str]] = {}
            finished: dict[tuple[str, str | None], list[int]] = defaultdict(list)
            for visited in batch:
                state, error = self._store_visit(session, visited, counters)
                finished[(state, error)].append(visited.entry.id)
                if state == frontier.DONE and not counters.last_was_duplicate:
                    for url, depth in visited.links[0]:
                        follow.setdefault(url, depth)
                    for url, reason in visited.links[1]:
                        skipped.setdefault(url, (visited.entry.depth + 1, reason))
            frontier.enqueue(session, self.run_id, follow.items())
            frontier.enqueue(
                session,
                self.run_id,
                [(u, d) for u, (d, _) in skipped.items()],
                state=frontier.SKIPPED,
                errors={u: r for u, (_, r) in skipped.items()},
            )
            for (state, error), ids in finished.items():
                frontier.finish_many(session, ids, state, error)
            run = session.get_one(models.CrawlRun, self.run_id)
            run.pages = report.pages + counters.pages
            run.failures = report.failures + counters.failures
            run.refused = report.refused + counters.refused
            run.bytes = report.bytes + counters.bytes
            run.detections += counters.detections
        # committed: now the in-memory report may move on
        report.pages += counters.pages
        report.failures += counters.failures
        report.refused += counters.refused
        report.bytes += counters.bytes
        report.new_detections += counters.detections
        for message in counters.errors:
            self._note_error(report, message)
        self._seen_bodies |= counters.bodies
        self._platforms.update(counters.platforms)

    def _store_visit(
        self, session: Session, visited: _Visited, counters: _Counters
    ) -> tuple[str, str | None]:
        entry, response, location = visited.entry, visited.response, visited.location
        counters.last_was_duplicate = False
        capture = models.Capture(
            run_id=self.run_id,
            platform_id=self._platform(session, entry.url, counters),
            url=entry.url,
            final_url=response.final_url,
            host=site_key(response.final_url),
            outcome=CaptureOutcome.OK,
            status_code=response.status or None,
            media_type=visited.media_type or response.media_type or None,
            size_bytes=len(response.body),
        )
        if location is not None:
            capture.sha256, capture.warc_file = location.sha256, location.file
            capture.warc_offset, capture.warc_record_id = location.offset, location.record_id
        if response.truncated:
            capture.error = "body truncated at the size limit"
        session.add(capture)
        if response.error is not None or response.status >= 400:
            capture.outcome = CaptureOutcome.REFUSED if response.refused else CaptureOutcome.FAILED
            capture.error = response.error or f"HTTP {response.status}"
            counters.failures += 1
            counters.refused += int(response.refused)
            counters.errors.append(f"{entry.url}: {capture.error}")
            return (frontier.REFUSED if response.refused else frontier.FAILED), capture.error
        counters.pages += 1
        counters.bytes += len(response.body)
        if capture.sha256:
            if capture.sha256 in self._seen_bodies or capture.sha256 in counters.bodies:
                counters.last_was_duplicate = True
                capture.error = "same content as an earlier page of this run: links not followed"
            counters.bodies.add(capture.sha256)
        for item in visited.analysis.items if visited.analysis else []:
            counters.detections += self._store_item(session, capture, item)
        return frontier.DONE, None

    def _platform(self, session: Session, url: str, counters: _Counters) -> int:
        key = site_key(url)
        known = self._platforms.get(key) or counters.platforms.get(key)
        if known is None:
            known = get_or_create_platform(session, key).id
            counters.platforms[key] = known  # kept only once the batch commits
        return known

    def _store_item(self, session: Session, capture: models.Capture, item: AnalysedItem) -> int:
        data = dict(item.data)
        if item.error:
            data["error"] = item.error
        row = models.ExtractedItem(
            capture=capture,
            kind=item.kind,
            extractor=item.extractor,
            url=item.url,
            text=item.text,
            data=data,
        )
        session.add(row)
        url = item.url or capture.final_url or capture.url
        if item.hits:
            matches = resolve_hits(self.container, session, url, item.hits)
        elif item.kind in _TITLED_KINDS and item.text:
            matches = self._titles(session).find(session, url, item.text, item.kind)
        else:
            return 0
        if not matches:
            return 0
        session.flush()
        created = 0
        for match in matches:
            _, new = record_detection(
                session,
                match,
                url=url,
                capture=capture,
                item=row,
                platform_id=self.platform_id or capture.platform_id,
                campaign_id=self.campaign_id,
            )
            created += int(new)
        return created

    def _titles(self, session: Session) -> CatalogueTitles:
        if self._title_index is None:
            self._title_index = CatalogueTitles.load(session)
        return self._title_index

    # -- outcomes that skip the buffer ------------------------------------------------
    @staticmethod
    def _note_error(report: CrawlReport, message: str) -> None:
        if len(report.errors) < _MAX_ERRORS_KEPT:
            report.errors.append(message)

    def _settle(
        self, report: CrawlReport, entry_id: int, state: str, message: str, refused: bool
    ) -> None:
        with self.container.sessions() as session, session.begin():
            frontier.finish_many(session, [entry_id], state, message)
            run = session.get_one(models.CrawlRun, self.run_id)
            run.failures = report.failures + 1
            run.refused = report.refused + int(refused)
        report.failures += 1
        report.refused += int(refused)
        self._note_error(report, message)

    def record_refusal(
        self, report: CrawlReport, entry: frontier.FrontierEntry, reason: str
    ) -> None:
        self._settle(report, entry.id, frontier.REFUSED, f"{entry.url}: {reason}", refused=True)

    def record_crash(self, report: CrawlReport, entry_id: int, error: BaseException) -> None:
        message = f"internal error: {type(error).__name__}: {error}"
        self._settle(report, entry_id, frontier.FAILED, message, refused=False)

    def record_retry(
        self, entry: frontier.FrontierEntry, delay_s: float, error: str, now: datetime
    ) -> None:
        with self.container.sessions() as session, session.begin():
            frontier.retry_later(
                session, entry, delay_s, f"attempt {entry.attempts + 1}: {error}", now
            )

    def close_run(self, report: CrawlReport) -> None:
        self.flush(report)
        with self.container.sessions() as session, session.begin():
            run = session.get_one(models.CrawlRun, self.run_id)
            left = frontier.queued_count(session, self.run_id)
            run.status = "finished"
            run.finished_at = models.utcnow()
            run.note = report.stopped_because + (f"; {left} URL(s) left queued" if left else "")
            audit.record(
                session,
                "system",
                "crawl.finished",
                "crawl_run",
                self.run_id,
                pages=run.pages,
                failures=run.failures,
                detections=run.detections,
                note=run.note,
            )
        self.container.indexes.save()


class _Counters:
    """What a batch adds, applied to the report only once the batch is committed."""

    def __init__(self) -> None:
        self.pages = self.failures = self.refused = self.bytes = self.detections = 0
        self.errors: list[str] = []
        self.bodies: set[str] = set()
        self.platforms: dict[str, int] = {}
        self.last_was_duplicate = False
