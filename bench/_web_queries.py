"""The queries behind the pages the benchmark times, done two ways.

*Scoped*: what the pages do, through the services they call (``review_queue``,
``evidence``, ``enforcement.browse``): the policy's condition inside the query
(``services.access.visible``), an index-ordered keyset page of 50. *Naive*: the same
answers the way a first version would get them, the baseline: the whole queue loaded
and sorted in Python (``review.review_queue`` as it was before the review page) then
filtered by region, every notice loaded with its items (``notices.list_notices``) then
filtered, and API pages by OFFSET with a COUNT(*).

"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.kinds import DetectionStatus
from swordnet.services import evidence, review_queue
from swordnet.services.access import Principal, visible
from swordnet.services.enforcement import browse, review
from swordnet.services.enforcement import notices as notice_service
from swordnet.storage import models

PAGE = 50


# --- scoped: what the pages do (the services they call) -----------------------------------


def review_page(session: Session, principal: Principal) -> list[int]:
    """The first page of the review queue (``/review``): new detections in priority order
    (pre-warned works, key works, the rest; score, sightings, id)."""
    page = review_queue.review_page(
        session, principal, review_queue.QueueFilters(), now=datetime.now(UTC)
    )
    return [row.id for row in page.rows]


def detection_page(session: Session, principal: Principal, detection_id: int) -> int:
    """What ``/detections/{id}`` loads: the detection, its work, capture, segments, history."""
    return evidence.load_evidence(session, principal, detection_id).detection.id


def notices_page(session: Session, principal: Principal) -> list[int]:
    """The first page of ``/notices``, newest first, each notice with its number of items
    (the page's figures of detections waiting for a notice are kept a minute per scope)."""
    rows, _following = browse.list_notices(
        session, principal, browse.NoticeFilter(), now=datetime.now(UTC)
    )
    return [row.id for row in rows]


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
    Python, in its priority order), then the caller's region picked out of it."""
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
