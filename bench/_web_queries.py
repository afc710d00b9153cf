"""The queries behind the pages the benchmark times, done two ways.

*Scoped*: what the pages must do. The policy's condition inside the query
(``services.access.visible``), an index-ordered keyset page of 50, and the few rows the
page shows fetched by id. *Naive*: the same answers the way a first version would get
them, the baseline: the whole queue loaded and sorted in Python (``review.review_queue``
as it is on main) then filtered by region, every notice loaded with its items
(``notices.list_notices``) then filtered, and API pages by OFFSET with a COUNT(*).

Both return the same rows; ``check_same`` says so for each principal before timing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.kinds import DetectionStatus
from swordnet.services.access import Principal, allowed, one_visible, visible
from swordnet.services.enforcement import notices as notice_service
from swordnet.services.enforcement import review
from swordnet.storage import models

PAGE = 50


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    score: float
    url: str
    work_title: str
    key_work: bool


# --- scoped: what the pages do ------------------------------------------------------------


def review_page(
    session: Session, principal: Principal, after: tuple[float, int] | None = None
) -> list[QueueRow]:
    """One page of the review queue: new detections the caller may review, best score
    first, keyset on (score, id)."""
    stmt = (
        select(
            models.Detection.id,
            models.Detection.score,
            models.Detection.url,
            models.Work.title,
            models.Work.key_work,
        )
        .join(models.Work, models.Work.id == models.Detection.work_id)
        .where(models.Detection.status == DetectionStatus.NEW)
    )
    stmt = visible(stmt, principal, "detections.review", "detection")
    if after is not None:
        stmt = stmt.where(tuple_(models.Detection.score, models.Detection.id) < after)
    stmt = stmt.order_by(models.Detection.score.desc(), models.Detection.id.desc()).limit(PAGE)
    return [QueueRow(*row) for row in session.execute(stmt)]


def detection_page(session: Session, principal: Principal, detection_id: int) -> dict[str, Any]:
    """What a detection page shows: the detection, its work, capture, segments and the
    notices that name it."""
    detection = one_visible(session, principal, "detections.read", "detection", detection_id)
    work = session.get(models.Work, detection.work_id)
    capture = session.get(models.Capture, detection.capture_id) if detection.capture_id else None
    segments = session.scalars(
        select(models.DetectionSegment).where(models.DetectionSegment.detection_id == detection.id)
    ).all()
    noticed: list[Any] = []
    if allowed(principal, "notices.read"):
        noticed = list(
            session.execute(
                visible(
                    select(models.Notice.id, models.Notice.status, models.NoticeItem.status)
                    .join(models.NoticeItem, models.NoticeItem.notice_id == models.Notice.id)
                    .where(models.NoticeItem.detection_id == detection.id),
                    principal,
                    "notices.read",
                    "notice",
                )
            )
        )
    return {
        "detection": detection.id,
        "work": work.title if work else None,
        "capture": capture.warc_file if capture else None,
        "segments": len(segments),
        "notices": len(noticed),
    }


def notices_page(
    session: Session, principal: Principal, after: int | None = None
) -> list[tuple[int, str, int]]:
    """One page of the notices list, newest first, with each notice's number of items."""
    stmt = visible(select(models.Notice), principal, "notices.read", "notice")
    if after is not None:
        stmt = stmt.where(models.Notice.id < after)
    notices = session.scalars(stmt.order_by(models.Notice.id.desc()).limit(PAGE)).all()
    sizes = dict(
        session.execute(
            select(models.NoticeItem.notice_id, func.count())
            .where(models.NoticeItem.notice_id.in_([n.id for n in notices]))
            .group_by(models.NoticeItem.notice_id)
        )
        .tuples()
        .all()
    )
    return [(n.id, n.status.value, sizes.get(n.id, 0)) for n in notices]


def api_detections_page(
    session: Session, principal: Principal, after: int | None = None
) -> list[int]:
    """One API page of detections, keyset on id (``api.common.paginate``'s order)."""
    stmt = visible(select(models.Detection.id), principal, "detections.read", "detection")
    if after is not None:
        stmt = stmt.where(models.Detection.id < after)
    return list(session.scalars(stmt.order_by(models.Detection.id.desc()).limit(PAGE)))


# --- naive: the baseline ------------------------------------------------------------------


def _region_codes(session: Session, principal: Principal) -> set[str] | None:
    """The region codes a principal's region scope covers; None: nationwide."""
    if principal.nationwide:
        return None
    return set(
        session.scalars(
            select(models.Region.code).where(
                models.Region.path.startswith(principal.region_path or "-")
            )
        )
    )


def naive_review_page(session: Session, principal: Principal) -> list[int]:
    """The queue as main's service builds it (every new detection loaded and sorted in
    Python), then the caller's region picked out of it, then ordered like the page."""
    codes = _region_codes(session, principal)
    entries = review.review_queue(session)
    regions = dict(
        session.execute(
            select(models.Detection.id, models.Detection.region_code).where(
                models.Detection.status == DetectionStatus.NEW
            )
        )
        .tuples()
        .all()
    )
    mine = [e for e in entries if codes is None or regions[e.detection_id] in codes]
    mine.sort(key=lambda e: (-e.score, -e.detection_id))
    return [e.detection_id for e in mine[:PAGE]]


def naive_notices_page(
    sessions: sessionmaker[Session], session: Session, principal: Principal
) -> list[int]:
    """Every notice with its items (main's ``list_notices``), filtered afterwards."""
    codes = _region_codes(session, principal)
    summaries = notice_service.list_notices(sessions)
    regions = dict(
        session.execute(select(models.Notice.id, models.Notice.region_code)).tuples().all()
    )
    mine = [s for s in summaries if codes is None or regions[s.id] in codes]
    return [s.id for s in sorted(mine, key=lambda s: -s.id)[:PAGE]]


def naive_api_page(session: Session, principal: Principal, page_number: int) -> list[int]:
    """Page ``page_number`` by OFFSET, with the total counted as such APIs do."""
    base = visible(select(models.Detection.id), principal, "detections.read", "detection")
    session.scalar(select(func.count()).select_from(base.subquery()))
    return list(
        session.scalars(
            base.order_by(models.Detection.id.desc()).offset(page_number * PAGE).limit(PAGE)
        )
    )


def keyset_after(session: Session, principal: Principal, page_number: int) -> int | None:
    """The ``after`` of page ``page_number`` (the id ending the page before it)."""
    if page_number == 0:
        return None
    stmt = visible(select(models.Detection.id), principal, "detections.read", "detection")
    return session.scalar(
        stmt.order_by(models.Detection.id.desc()).offset(page_number * PAGE - 1).limit(1)
    )


def visible_detection_ids(session: Session, principal: Principal, count: int) -> list[int]:
    """Some detections the principal may open, spread over its whole scope."""
    stmt = visible(select(models.Detection.id), principal, "detections.read", "detection")
    sample = select(stmt.subquery().c.id).order_by(func.random()).limit(count)
    return list(session.scalars(sample))


# --- counting the queries -----------------------------------------------------------------


class QueryCounter:
    """Counts the statements sent on ``engine`` inside ``counting()`` blocks, whichever
    thread sends them (a request runs in the server's thread pool): one block at a time."""

    def __init__(self, engine: Engine) -> None:
        self._on = False
        self._count = 0
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._seen)
        self._engine = engine

    def _seen(self, *_args: Any) -> None:
        if self._on:
            with self._lock:
                self._count += 1

    @contextmanager
    def counting(self) -> Iterator[Callable[[], int]]:
        self._on, self._count = True, 0
        try:
            yield lambda: self._count
        finally:
            self._on = False

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)
