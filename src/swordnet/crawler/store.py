"""Storing what a crawl saw: captures, extracted items, detections, frontier states.

Everything about one URL is written in one transaction, with the run's counters, so a
resumed run starts from exactly what was stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from swordnet.adapters.warc import WarcRecorder
from swordnet.bootstrap import Container
from swordnet.crawler import frontier
from swordnet.crawler.analysis import Analysis, AnalysedItem
from swordnet.domain.kinds import CaptureOutcome
from swordnet.plugins.fetchers import FetchResult
from swordnet.services import audit
from swordnet.services.detections import record_detection
from swordnet.services.matching import find_matches
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.storage import models

if TYPE_CHECKING:
    from swordnet.crawler.engine import CrawlReport

_MAX_ERRORS_KEPT = 200


class PageStore:
    def __init__(
        self, container: Container, run_id: int, *, campaign_id: int | None, platform_id: int | None
    ) -> None:
        self.container = container
        self.run_id = run_id
        self.campaign_id = campaign_id
        self.platform_id = platform_id
        self.recorder: WarcRecorder | None = None
        self._platforms: dict[str, int] = {}
        with container.sessions() as session:
            self._seen_bodies = set(
                session.scalars(
                    select(models.Capture.sha256).where(
                        models.Capture.run_id == run_id, models.Capture.sha256.is_not(None)
                    )
                )
            )

    def report_so_far(self) -> CrawlReport:
        from swordnet.crawler.engine import CrawlReport

        with self.container.sessions() as session:
            run = session.get_one(models.CrawlRun, self.run_id)
            return CrawlReport(
                run_id=run.id, pages=run.pages, failures=run.failures, refused=run.refused,
                bytes=run.bytes, new_detections=0,
            )  # fmt: skip

    def _platform(self, session: Session, url: str) -> int:
        key = site_key(url)
        if key in self._platforms:
            return self._platforms[key]
        platform_id = get_or_create_platform(session, key).id
        # cache only once committed: a rolled-back transaction would leave a dangling id
        event.listen(
            session,
            "after_commit",
            lambda _: self._platforms.setdefault(key, platform_id),
            once=True,
        )
        return platform_id

    def record_crash(self, report: CrawlReport, entry_id: int, error: BaseException) -> None:
        message = f"internal error: {type(error).__name__}: {error}"
        with self.container.sessions() as session, session.begin():
            report.failures += 1
            frontier.finish(session, entry_id, frontier.FAILED, message)
            self._save_counters(session, report)
        self._note_error(report, message)

    def _save_counters(
        self, session: Session, report: CrawlReport, new_detections: int = 0
    ) -> None:
        run = session.get_one(models.CrawlRun, self.run_id)
        run.pages, run.failures, run.refused, run.bytes = (
            report.pages, report.failures, report.refused, report.bytes,
        )  # fmt: skip
        run.detections += new_detections

    @staticmethod
    def _note_error(report: CrawlReport, message: str) -> None:
        if len(report.errors) < _MAX_ERRORS_KEPT:
            report.errors.append(message)

    def record_refusal(
        self, report: CrawlReport, entry: frontier.FrontierEntry, reason: str
    ) -> None:
        with self.container.sessions() as session, session.begin():
            report.refused += 1
            report.failures += 1
            frontier.finish(session, entry.id, frontier.REFUSED, reason)
            self._save_counters(session, report)
        self._note_error(report, f"{entry.url}: {reason}")

    def record_retry(
        self, entry: frontier.FrontierEntry, delay_s: float, error: str, now: datetime
    ) -> None:
        with self.container.sessions() as session, session.begin():
            frontier.retry_later(
                session, entry, delay_s, f"attempt {entry.attempts + 1}: {error}", now
            )

    def record_response(
        self,
        report: CrawlReport,
        entry: frontier.FrontierEntry,
        response: FetchResult,
        media_type: str,
        analysis: Analysis | None,
        links: tuple[list[tuple[str, int]], list[tuple[str, str]]],
    ) -> None:
        location = None
        if response.status and self.recorder is not None:
            location = self.recorder.record_response(
                response.final_url, response.status, response.headers, response.body
            )
        failed = response.error is not None or response.status >= 400
        with self.container.sessions() as session, session.begin():
            capture = models.Capture(
                run_id=self.run_id, platform_id=self._platform(session, entry.url), url=entry.url,
                final_url=response.final_url, host=site_key(response.final_url),
                outcome=CaptureOutcome.OK, status_code=response.status or None,
                media_type=media_type or response.media_type or None, size_bytes=len(response.body),
            )  # fmt: skip
            if location is not None:
                capture.sha256, capture.warc_file = location.sha256, location.file
                capture.warc_offset, capture.warc_record_id = location.offset, location.record_id
            if response.truncated:
                capture.error = "body truncated at the size limit"
            new_detections = 0
            if failed:
                capture.outcome = (
                    CaptureOutcome.REFUSED if response.refused else CaptureOutcome.FAILED
                )
                capture.error = response.error or f"HTTP {response.status}"
                report.failures += 1
                report.refused += int(response.refused)
                state = frontier.REFUSED if response.refused else frontier.FAILED
                session.add(capture)
                frontier.finish(session, entry.id, state, capture.error)
                self._note_error(report, f"{entry.url}: {capture.error}")
            else:
                report.pages += 1
                report.bytes += len(response.body)
                session.add(capture)
                session.flush()
                duplicate = capture.sha256 in self._seen_bodies
                if capture.sha256:
                    self._seen_bodies.add(capture.sha256)
                for item in analysis.items if analysis else []:
                    new_detections += self._store_item(session, capture, item)
                follow, skipped = links
                if duplicate:
                    capture.error = (
                        "same content as an earlier page of this run: links not followed"
                    )
                else:
                    frontier.enqueue(session, self.run_id, follow)
                    frontier.enqueue(session, self.run_id, [(u, entry.depth + 1) for u, _ in skipped],
                                     state=frontier.SKIPPED, errors=dict(skipped))  # fmt: skip
                frontier.finish(session, entry.id, frontier.DONE)
            report.new_detections += new_detections
            self._save_counters(session, report, new_detections)

    def _store_item(self, session: Session, capture: models.Capture, item: AnalysedItem) -> int:
        data = dict(item.data)
        if item.error:
            data["error"] = item.error
        row = models.ExtractedItem(
            capture=capture, kind=item.kind, extractor=item.extractor, url=item.url,
            text=item.text, data=data,
        )  # fmt: skip
        session.add(row)
        session.flush()
        if not item.fingerprints:
            return 0
        created = 0
        url = item.url or capture.final_url or capture.url
        for match in find_matches(self.container, session, url, item.fingerprints):
            _, new = record_detection(
                session, match, url=url, capture=capture, item=row,
                platform_id=self.platform_id or capture.platform_id, campaign_id=self.campaign_id,
            )  # fmt: skip
            created += int(new)
        return created

    def close_run(self, report: CrawlReport) -> None:
        with self.container.sessions() as session, session.begin():
            run = session.get_one(models.CrawlRun, self.run_id)
            left = frontier.queued_count(session, self.run_id)
            run.status = "finished"
            run.finished_at = models.utcnow()
            run.note = report.stopped_because + (f"; {left} URL(s) left queued" if left else "")
            audit.record(session, "system", "crawl.finished", "crawl_run", self.run_id,
                         pages=run.pages, failures=run.failures, detections=run.detections,
                         note=run.note)  # fmt: skip
        self.container.indexes.save()
