"""Crawling a site: fetch, capture as evidence, extract, detect.

Pages are fetched concurrently (a bounded number per host); each response is written
to the run's WARC file, recorded as a capture, handed to the extractors, and what they
find is fingerprinted and matched. Links stay on the seeds' sites and within the budget.
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from swordnet.adapters.warc import WarcRecorder
from swordnet.bootstrap import Container
from swordnet.domain.errors import MediaError
from swordnet.domain.kinds import CaptureOutcome
from swordnet.plugins.extractors import ExtractedContent, Page
from swordnet.plugins.fetchers import FetchResult
from swordnet.plugins.signals import MediaInput
from swordnet.services import audit
from swordnet.services.detections import record_detection
from swordnet.services.fingerprinting import accepting_signals
from swordnet.services.matching import find_matches
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.storage import models

_PAGE_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class CrawlBudget:
    max_pages: int = 200
    max_depth: int = 3
    max_bytes: int = 200 * 1024 * 1024
    concurrency: int = 4


@dataclass
class CrawlReport:
    run_id: int
    pages: int = 0
    failures: int = 0
    refused: int = 0
    bytes: int = 0
    new_detections: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Task:
    url: str
    depth: int
    media_kind: str | None = None  # set for a media file found on a page


def crawl(
    container: Container,
    seeds: list[str],
    budget: CrawlBudget | None = None,
    *,
    campaign_id: int | None = None,
    target_id: int | None = None,
) -> CrawlReport:
    return asyncio.run(_crawl(container, seeds, budget or CrawlBudget(), campaign_id, target_id))


async def _crawl(
    container: Container,
    seeds: list[str],
    budget: CrawlBudget,
    campaign_id: int | None,
    target_id: int | None,
) -> CrawlReport:
    with container.sessions() as session, session.begin():
        run = models.CrawlRun(target_id=target_id)
        session.add(run)
        session.flush()
        run_id = run.id
    report = CrawlReport(run_id=run_id)
    sites = {site_key(seed) for seed in seeds}
    frontier: deque[_Task] = deque(_Task(seed, 0) for seed in seeds)
    seen = set(seeds)
    fetcher = container.fetcher()
    recorder = WarcRecorder(container.settings.warc_dir / f"run-{run_id:06d}.warc.gz")
    try:
        while frontier and report.pages + report.failures < budget.max_pages:
            room = budget.max_pages - report.pages - report.failures
            batch = [
                frontier.popleft() for _ in range(min(budget.concurrency, room, len(frontier)))
            ]
            responses = await asyncio.gather(*(fetcher.fetch(task.url) for task in batch))
            for task, response in zip(batch, responses, strict=True):
                for found in _process(container, recorder, report, task, response, campaign_id):
                    if (
                        found.url not in seen
                        and site_key(found.url) in sites
                        and found.depth <= budget.max_depth
                    ):
                        seen.add(found.url)
                        frontier.append(found)
            if report.bytes >= budget.max_bytes:
                report.errors.append(f"byte budget of {budget.max_bytes} reached")
                break
    finally:
        await fetcher.aclose()
        recorder.close()
    with container.sessions() as session, session.begin():
        run = session.get_one(models.CrawlRun, run_id)
        run.status = "finished"
        run.pages, run.bytes, run.failures = report.pages, report.bytes, report.failures
        run.finished_at = models.utcnow()
        audit.record(
            session,
            "system",
            "crawl.finished",
            "crawl_run",
            run_id,
            pages=report.pages,
            failures=report.failures,
            detections=report.new_detections,
        )
    container.indexes.save()
    return report


def _process(
    container: Container,
    recorder: WarcRecorder,
    report: CrawlReport,
    task: _Task,
    response: FetchResult,
    campaign_id: int | None,
) -> list[_Task]:
    """Store one response and what it offers; return the links to follow."""
    next_tasks: list[_Task] = []
    with container.sessions() as session, session.begin():
        platform = get_or_create_platform(session, site_key(task.url))
        capture = models.Capture(
            run_id=report.run_id,
            platform_id=platform.id,
            url=task.url,
            final_url=response.final_url,
            host=site_key(response.final_url),
            status_code=response.status or None,
            media_type=response.media_type or None,
            size_bytes=len(response.body),
            error=response.error,
            outcome=CaptureOutcome.REFUSED if response.refused else CaptureOutcome.OK,
        )
        if response.error is not None or response.status >= 400:
            capture.outcome = CaptureOutcome.REFUSED if response.refused else CaptureOutcome.FAILED
            capture.error = response.error or f"HTTP {response.status}"
            report.failures += 1
            report.refused += int(response.refused)
            report.errors.append(f"{task.url}: {capture.error}")
        else:
            report.pages += 1
            report.bytes += len(response.body)
        if response.status:
            location = recorder.record_response(
                response.final_url, response.status, response.headers, response.body
            )
            capture.sha256 = location.sha256
            capture.warc_file, capture.warc_offset = location.file, location.offset
            capture.warc_record_id = location.record_id
        session.add(capture)
        session.flush()
        if capture.outcome != CaptureOutcome.OK:
            return []
        if response.media_type.startswith(_PAGE_TYPES) and task.media_kind is None:
            page = Page(response.final_url, response.media_type, response.body)
            for extractor in container.extractors:
                if extractor.accepts(page):
                    for content in extractor.extract(page):
                        next_tasks.extend(
                            _handle_content(
                                container, session, report, capture, content, task, campaign_id
                            )
                        )
        else:
            content = ExtractedContent(
                kind=task.media_kind or (response.media_type.split("/", 1)[0] or "file"),
                source_url=response.final_url,
                extractor="response",
                url=response.final_url,
                data={"body": response.body, "media_type": response.media_type},
            )
            _handle_content(container, session, report, capture, content, task, campaign_id)
    return next_tasks


def _handle_content(
    container: Container,
    session: Session,
    report: CrawlReport,
    capture: models.Capture,
    content: ExtractedContent,
    task: _Task,
    campaign_id: int | None,
) -> list[_Task]:
    if content.kind == "link" and content.url:
        return [_Task(content.url, task.depth + 1)]
    if content.extractor != "response" and content.url and content.kind != "text":
        probe = MediaInput(name=content.url, media_type=mimetypes.guess_type(content.url)[0])
        if accepting_signals(container.signals, probe):
            return [_Task(content.url, task.depth + 1, media_kind=content.kind)]
        data = {k: v for k, v in content.data.items() if k != "body"}
        session.add(
            models.ExtractedItem(
                capture=capture,
                kind=content.kind,
                extractor=content.extractor,
                url=content.url,
                data=data,
            )
        )
        return []
    if content.text is not None:
        media = MediaInput(
            name=content.source_url, data=content.text.encode("utf-8"), media_type="text/plain"
        )
    else:
        body = content.data.get("body", b"")
        media = MediaInput(
            name=content.url or content.source_url,
            data=body,
            media_type=str(content.data.get("media_type") or "") or None,
        )
    item = models.ExtractedItem(
        capture=capture,
        kind=content.kind,
        extractor=content.extractor,
        url=content.url,
        text=content.text,
        data={k: v for k, v in content.data.items() if k not in {"body"}},
    )
    session.add(item)
    session.flush()
    signals = accepting_signals(container.signals, media)
    try:
        fingerprints = [signal.fingerprint(media, role="query") for signal in signals]
    except MediaError as exc:
        item.data = {**item.data, "error": str(exc)}
        report.errors.append(str(exc))
        return []
    for match in find_matches(container, session, media.name, fingerprints):
        _, created = record_detection(
            session,
            match,
            url=content.url or content.source_url,
            capture=capture,
            item=item,
            platform_id=capture.platform_id,
            campaign_id=campaign_id,
        )
        report.new_detections += int(created)
    return []
