"""Screenshots of the pages where a crawl found copies: what a person saw, as evidence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.adapters.screenshots import Screenshot, Screenshotter
from swordnet.domain.kinds import CaptureOutcome
from swordnet.domain.pages import PAGE_TYPES
from swordnet.services import audit, ledger
from swordnet.services.context import AppContext
from swordnet.services.ledger import evidence
from swordnet.storage import models


@dataclass
class ScreenshotReport:
    taken: int = 0
    failed: list[str] = field(default_factory=list)
    blocked_requests: int = 0


def screenshot_detections(
    container: AppContext, run_id: int, *, limit: int = 200
) -> ScreenshotReport:
    """Screenshot each HTML page of the run that has a detection and no screenshot yet.

    Raises ``NotConfigured`` when no Chromium is installed.
    """
    with container.sessions() as session:
        captures = list(
            session.execute(
                select(models.Capture.id, models.Capture.final_url)
                .join(models.Detection, models.Detection.capture_id == models.Capture.id)
                .where(
                    models.Capture.run_id == run_id,
                    models.Capture.outcome == CaptureOutcome.OK,
                    models.Capture.screenshot_path.is_(None),
                    models.Capture.media_type.in_(PAGE_TYPES),
                )
                .distinct()
                .order_by(models.Capture.id)
                .limit(limit)
            )
        )
    report = ScreenshotReport()
    if not captures:
        return report
    directory = container.settings.home / "screenshots" / f"run-{run_id:06d}"
    shooter = Screenshotter(AddressPolicy(container.settings.crawler.allow_networks))
    jobs = [(str(url), directory / f"capture-{capture_id}.png") for capture_id, url in captures]
    results = shooter.capture(jobs)
    with container.sessions() as session, session.begin():
        for (capture_id, _), result in zip(captures, results, strict=True):
            if not isinstance(result, Screenshot):
                report.failed.append(result)
                continue
            digest = hashlib.sha256(result.path.read_bytes()).hexdigest()
            capture = session.get_one(models.Capture, capture_id)
            capture.screenshot_path = str(result.path)
            report.taken += 1
            report.blocked_requests += result.blocked_requests
            audit.record(
                session,
                "system",
                "capture.screenshot",
                "capture",
                capture_id,
                path=str(result.path),
                sha256=digest,
                blocked_requests=result.blocked_requests,
            )
            ledger.record(
                session,
                evidence.SCREENSHOT,
                evidence.screenshot_record(capture_id, str(result.path), digest),
            )
    return report
