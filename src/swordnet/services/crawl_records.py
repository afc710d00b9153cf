"""Recording what a crawl saw: captures, extracted items, detections, frontier states.

Pages are written in batches: everything about a batch of URLs (WARC records, captures,
items, detections, the URLs they lead to, their frontier states and the run's counters)
is one transaction, so a resumed run starts from exactly what was stored. A URL still in
the buffer when the process dies is still ``queued`` in the database and is fetched
again. The WARC records of a batch reach the operating system before its commit.

Only the crawl's store thread (``crawler.writer``) calls these methods. Captures, items and
frontier rows are written with SQLAlchemy Core statements (one cached statement, many
rows); the ORM is used only for the few items that match a work, because recording a
detection and its audit entry goes through the detection service.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from swordnet.analysis import AnalysedItem
from swordnet.crawler import frontier
from swordnet.crawler.capture import WarcFile, encode_response
from swordnet.crawler.page_sink import Visited
from swordnet.crawler.urls import LinkFilter
from swordnet.domain.kinds import CaptureOutcome
from swordnet.domain.matching import Match
from swordnet.domain.urls import site_key
from swordnet.services import audit, ledger
from swordnet.services.context import AppContext
from swordnet.services.detection_pipeline import WorkMatcher, detection_url
from swordnet.services.detections import record_detection
from swordnet.services.ledger import evidence
from swordnet.services.platforms import get_or_create_platform
from swordnet.services.titles_catalogue import CatalogueTitles
from swordnet.storage import models

if TYPE_CHECKING:
    from swordnet.crawler.engine import CrawlReport

log = logging.getLogger(__name__)
_MAX_ERRORS_KEPT = 200
_CAPTURES = cast(Table, models.Capture.__table__)
_ITEMS = cast(Table, models.ExtractedItem.__table__)
_RUNS = cast(Table, models.CrawlRun.__table__)


class CrawlRecorder:
    """Stores what a crawl saw; the crawl engine's ``PageSink``."""

    def __init__(
        self,
        container: AppContext,
        run_id: int,
        links: LinkFilter,
        *,
        campaign_id: int | None,
        platform_id: int | None,
    ) -> None:
        self.container = container
        self.run_id = run_id
        self.links = links
        self.campaign_id = campaign_id
        self.platform_id = platform_id
        self.warc: WarcFile | None = None
        self._titles: CatalogueTitles | None = None  # loaded once per run, on first need
        self._platforms: dict[str, int] = {}
        # each platform's region, read once per run: a detection takes its platform's
        # region, else its target's (docs/parties.md)
        self._platform_regions: dict[int, str | None] = {}
        self._environment = evidence.capture_environment(container.settings)
        with container.sessions() as session:
            self._target_region: str | None = session.scalar(
                select(models.MonitoringTarget.region_code)
                .join(models.CrawlRun, models.CrawlRun.target_id == models.MonitoringTarget.id)
                .where(models.CrawlRun.id == run_id)
            )
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

    # -- writing ------------------------------------------------------------------
    def write(self, report: CrawlReport, batch: list[Visited]) -> None:
        """Store a batch in one transaction; a batch that fails is stored page by page."""
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

    def _write(self, report: CrawlReport, batch: list[Visited]) -> None:
        counters = _Counters()
        follow: dict[str, int] = {}
        skipped: dict[str, tuple[int, str]] = {}
        finished: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        with self.container.sessions() as session, session.begin():
            rows = [self._capture_row(session, visited, counters) for visited in batch]
            if self.warc is not None:
                self.warc.flush()  # the records reach the OS before the rows naming them
            result = session.connection().execute(
                insert(_CAPTURES).returning(_CAPTURES.c.id, sort_by_parameter_order=True),
                [row for row, _, _ in rows],
            )
            capture_ids = list(result.scalars())
            for (row, _, _), capture_id, digest in zip(
                rows, capture_ids, counters.warc_digests, strict=True
            ):
                record = evidence.capture_record(capture_id, row, digest, self._environment)
                ledger.record(session, evidence.CAPTURE, record)
            for visited, (row, state, duplicate), capture_id in zip(
                batch, rows, capture_ids, strict=True
            ):
                finished[(state, row["error"] if state != frontier.DONE else None)].append(
                    visited.entry.id
                )
                if state != frontier.DONE:
                    continue
                items = visited.analysis.items if visited.analysis else []
                if items:
                    self._store_items(session, capture_id, row, items, counters)
                if not duplicate and visited.analysis is not None:
                    depth = visited.entry.depth + 1
                    to_follow, to_skip = self.links.split(visited.analysis.links, depth)
                    for url, link_depth in to_follow:
                        follow.setdefault(url, link_depth)
                    for url, reason in to_skip:
                        skipped.setdefault(url, (depth, reason))
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
            session.connection().execute(
                update(_RUNS)
                .where(_RUNS.c.id == self.run_id)
                .values(
                    pages=report.pages + counters.pages,
                    failures=report.failures + counters.failures,
                    refused=report.refused + counters.refused,
                    bytes=report.bytes + counters.bytes,
                    detections=_RUNS.c.detections + counters.detections,
                )
            )
        # committed: now the in-memory state may move on
        self.links.remember([*follow, *skipped])
        report.pages += counters.pages
        report.failures += counters.failures
        report.refused += counters.refused
        report.bytes += counters.bytes
        report.new_detections += counters.detections
        for message in counters.errors:
            self._note_error(report, message)
        self._seen_bodies |= counters.bodies
        self._platforms.update(counters.platforms)

    def _capture_row(
        self, session: Session, visited: Visited, counters: _Counters
    ) -> tuple[dict[str, Any], str, bool]:
        """The capture's row (its WARC record appended), the URL's frontier state and
        whether the body repeats an earlier page's."""
        entry, response = visited.entry, visited.response
        key = site_key(entry.url)
        row: dict[str, Any] = {
            "run_id": self.run_id,
            "platform_id": self._platform(session, key, counters),
            "url": entry.url,
            "final_url": response.final_url,
            "host": key if response.final_url == entry.url else site_key(response.final_url),
            "outcome": CaptureOutcome.OK,
            "status_code": response.status or None,
            "media_type": visited.media_type or response.media_type or None,
            "size_bytes": visited.size,
            "sha256": None,
            "warc_file": None,
            "warc_offset": None,
            "warc_record_id": None,
            "error": "body truncated at the size limit" if response.truncated else None,
        }
        record = visited.record
        if record is None and response.status:
            record = encode_response(
                response.final_url, response.status, response.headers, response.body
            )
        counters.warc_digests.append(None)
        if record is not None and self.warc is not None:
            location = self.warc.append(record)
            counters.warc_digests[-1] = hashlib.sha256(record.data).hexdigest()
            row["sha256"], row["warc_file"] = location.sha256, location.file
            row["warc_offset"], row["warc_record_id"] = location.offset, location.record_id
        if visited.analysis_error:
            counters.errors.append(f"{entry.url}: analysis failed: {visited.analysis_error}")
        refusal = _unfingerprinted(visited)
        if refusal is not None:  # media over a budget, or damaged: said on the capture too
            said = f"not fingerprinted: {refusal}"
            row["error"] = f"{row['error']}; {said}" if row["error"] else said
            counters.errors.append(f"{entry.url}: not fingerprinted: {refusal}")
        if response.error is not None or response.status >= 400:
            row["outcome"] = CaptureOutcome.REFUSED if response.refused else CaptureOutcome.FAILED
            row["error"] = response.error or f"HTTP {response.status}"
            counters.failures += 1
            counters.refused += int(response.refused)
            counters.errors.append(f"{entry.url}: {row['error']}")
            return row, (frontier.REFUSED if response.refused else frontier.FAILED), False
        counters.pages += 1
        counters.bytes += visited.size
        sha256, duplicate = row["sha256"], False
        if sha256:
            if sha256 in self._seen_bodies or sha256 in counters.bodies:
                row["error"] = "same content as an earlier page of this run: links not followed"
                duplicate = True
            counters.bodies.add(sha256)
        return row, frontier.DONE, duplicate

    def _platform(self, session: Session, key: str, counters: _Counters) -> int:
        known = self._platforms.get(key) or counters.platforms.get(key)
        if known is None:
            platform = get_or_create_platform(session, key)
            known = platform.id
            counters.platforms[key] = known  # kept only once the batch commits
            self._platform_regions[known] = platform.region_code
        return known

    def _region(self, session: Session, platform_id: int | None) -> str | None:
        """The region a detection on ``platform_id`` belongs to: the platform's, else the
        target's; one query per platform and run at most."""
        if platform_id is None:
            return self._target_region
        if platform_id not in self._platform_regions:
            self._platform_regions[platform_id] = session.scalar(
                select(models.Platform.region_code).where(models.Platform.id == platform_id)
            )
        return self._platform_regions[platform_id] or self._target_region

    def _store_items(
        self,
        session: Session,
        capture_id: int,
        capture: dict[str, Any],
        items: list[AnalysedItem],
        counters: _Counters,
    ) -> None:
        plain: list[dict[str, Any]] = []
        for item in items:
            data = dict(item.data)
            if item.error:
                data["error"] = item.error
            row = {
                "capture_id": capture_id,
                "kind": item.kind,
                "extractor": item.extractor,
                "url": item.url,
                "text": item.text,
                "sha256": None,
                "data": data,
            }
            url = detection_url(capture["final_url"] or capture["url"], item)
            matches = self._matches(session, url, item)
            if matches:
                counters.detections += self._record(session, capture_id, row, url, matches)
            else:
                plain.append(row)
        if plain:
            session.connection().execute(insert(_ITEMS), plain)

    def _matches(self, session: Session, url: str, item: AnalysedItem) -> list[Match]:
        matcher = WorkMatcher(self.container, session, titles=self._titles)
        found = matcher.item_matches(url, item)
        self._titles = matcher.loaded_titles
        return found

    def _record(
        self,
        session: Session,
        capture_id: int,
        row: dict[str, Any],
        url: str,
        matches: list[Match],
    ) -> int:
        capture = session.get_one(models.Capture, capture_id)
        # not added here: the detection brings it into the session, so the query for an
        # earlier detection does not flush it on its own first
        item = models.ExtractedItem(**row)
        created = 0
        platform_id = self.platform_id or capture.platform_id
        region_code = self._region(session, platform_id)
        for match in matches:
            _, new = record_detection(
                session,
                match,
                url=url,
                capture=capture,
                item=item,
                platform_id=platform_id,
                campaign_id=self.campaign_id,
                region_code=region_code,
            )
            created += int(new)
        return created

    # -- outcomes that skip the batch ---------------------------------------------------
    @staticmethod
    def _note_error(report: CrawlReport, message: str) -> None:
        if len(report.errors) < _MAX_ERRORS_KEPT:
            report.errors.append(message)

    def settle(
        self, report: CrawlReport, entry_id: int, state: str, message: str, refused: bool
    ) -> None:
        with self.container.sessions() as session, session.begin():
            frontier.finish_many(session, [entry_id], state, message)
            session.connection().execute(
                update(_RUNS)
                .where(_RUNS.c.id == self.run_id)
                .values(failures=report.failures + 1, refused=report.refused + int(refused))
            )
        report.failures += 1
        report.refused += int(refused)
        self._note_error(report, message)

    def record_crash(self, report: CrawlReport, entry_id: int, error: BaseException) -> None:
        message = f"internal error: {type(error).__name__}: {error}"
        self.settle(report, entry_id, frontier.FAILED, message, refused=False)

    def record_retry(
        self, entry: frontier.FrontierEntry, delay_s: float, error: str, now: datetime
    ) -> None:
        with self.container.sessions() as session, session.begin():
            frontier.retry_later(
                session, entry, delay_s, f"attempt {entry.attempts + 1}: {error}", now
            )

    def close_run(self, report: CrawlReport) -> None:
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
        self.warc_digests: list[str | None] = []  # per capture row: its WARC record's SHA-256


def _unfingerprinted(visited: Visited) -> str | None:
    """Why a media response (one item standing for the whole body) was not fingerprinted."""
    items = visited.analysis.items if visited.analysis is not None else []
    return next((i.error for i in items if i.extractor == "response" and i.error), None)
