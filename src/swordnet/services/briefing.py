"""Campaign briefing figures, computed from the records (never typed in)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import Session

from swordnet.domain.kinds import CaptureOutcome, NoticeItemStatus, NoticeStatus
from swordnet.storage import models


@dataclass(frozen=True, slots=True)
class Briefing:
    sites_checked: int
    pages_checked: int
    fetch_failures: int
    works_catalogued: int
    detections: int
    infringing_urls: int
    sites_with_detections: int
    per_work: list[dict[str, Any]] = field(default_factory=list)
    per_site: list[dict[str, Any]] = field(default_factory=list)
    per_modality: dict[str, int] = field(default_factory=dict)
    # enforcement: "links deleted" counts only items verified removed by a re-check
    links_verified_deleted: int = 0
    notices_sent: int = 0
    notices_complied: int = 0
    sites_escalated: int = 0
    cases_opened: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_briefing(session: Session, *, campaign_id: int | None = None) -> Briefing:
    detection_filter: list[ColumnElement[bool]] = []
    if campaign_id is not None:
        detection_filter.append(models.Detection.campaign_id == campaign_id)
    ok = models.Capture.outcome == CaptureOutcome.OK

    def scalar(statement: Any) -> int:
        return int(session.scalar(statement) or 0)

    per_work = [
        {"work_id": work_id, "title": title, "urls": urls, "sites": sites}
        for work_id, title, urls, sites in session.execute(
            select(
                models.Work.id,
                models.Work.title,
                func.count(distinct(models.Detection.url)),
                func.count(distinct(models.Detection.platform_id)),
            )
            .join(models.Detection, models.Detection.work_id == models.Work.id)
            .where(*detection_filter)
            .group_by(models.Work.id, models.Work.title)
            .order_by(func.count(distinct(models.Detection.url)).desc(), models.Work.id)
        )
    ]
    per_site = [
        {"site": domain, "name": name, "urls": urls, "works": works}
        for domain, name, urls, works in session.execute(
            select(
                models.Platform.domain,
                models.Platform.name,
                func.count(distinct(models.Detection.url)),
                func.count(distinct(models.Detection.work_id)),
            )
            .join(models.Detection, models.Detection.platform_id == models.Platform.id)
            .where(*detection_filter)
            .group_by(models.Platform.id, models.Platform.domain, models.Platform.name)
            .order_by(func.count(distinct(models.Detection.url)).desc(), models.Platform.domain)
        )
    ]
    per_modality = {
        str(modality): int(count)
        for modality, count in session.execute(
            select(models.Detection.modality, func.count())
            .where(*detection_filter)
            .group_by(models.Detection.modality)
        )
    }
    return Briefing(
        sites_checked=scalar(select(func.count(distinct(models.Capture.host)))),
        pages_checked=scalar(select(func.count()).select_from(models.Capture).where(ok)),
        fetch_failures=scalar(select(func.count()).select_from(models.Capture).where(~ok)),
        works_catalogued=scalar(select(func.count()).select_from(models.Work)),
        detections=scalar(
            select(func.count()).select_from(models.Detection).where(*detection_filter)
        ),
        infringing_urls=scalar(
            select(func.count(distinct(models.Detection.url))).where(*detection_filter)
        ),
        sites_with_detections=scalar(
            select(func.count(distinct(models.Detection.platform_id))).where(*detection_filter)
        ),
        per_work=per_work,
        per_site=per_site,
        per_modality=per_modality,
        **_enforcement_figures(session, campaign_id),
    )


def _enforcement_figures(session: Session, campaign_id: int | None) -> dict[str, int]:
    notice_filter: list[ColumnElement[bool]] = []
    case_filter: list[ColumnElement[bool]] = []
    if campaign_id is not None:
        notice_filter.append(models.Notice.campaign_id == campaign_id)
        case_filter.append(models.Case.campaign_id == campaign_id)

    def scalar(statement: Any) -> int:
        return int(session.scalar(statement) or 0)

    return {
        "links_verified_deleted": scalar(
            select(func.count(distinct(models.NoticeItem.url)))
            .join(models.Notice, models.Notice.id == models.NoticeItem.notice_id)
            .where(models.NoticeItem.status == NoticeItemStatus.REMOVED, *notice_filter)
        ),
        "notices_sent": scalar(
            select(func.count())
            .select_from(models.Notice)
            .where(models.Notice.sent_at.is_not(None), *notice_filter)
        ),
        "notices_complied": scalar(
            select(func.count())
            .select_from(models.Notice)
            .where(models.Notice.status == NoticeStatus.COMPLIED, *notice_filter)
        ),
        "sites_escalated": scalar(
            select(func.count(distinct(models.Case.platform_id))).where(
                models.Case.shutdown_requested.is_(True), *case_filter
            )
        ),
        "cases_opened": scalar(select(func.count()).select_from(models.Case).where(*case_filter)),
    }
