"""The review queue as a person works it: filtered, in priority order, a page at a time,
and decisions taken under the person's name on the detections their scope reaches.

The order is the one ``enforcement.review.review_queue`` uses (pre-warned works, then key
works, then score and reach), computed in SQL so that a page of 50 out of a million costs
what the first page does: the queue is read in *tiers* (pre-warned, key works, the rest),
each tier in ``(score, sightings, id)`` order, newest first on ties, so that every tier is
an index range; a page reads at most three tiers. The cursor names the tier and the last
row's sort values.

Listing and deciding go through ``services.access``: a list is scoped in the query, a
decision refuses (``NotVisible``) when any of its detections is out of the caller's scope,
and changes none of them then.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true, tuple_
from sqlalchemy.orm import Session

from swordnet.domain.enforcement import TITLE_EVIDENCE, evidence_kind
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import DetectionStatus
from swordnet.services.access import NotVisible, Principal, visible
from swordnet.services.enforcement import review
from swordnet.services.enforcement.prewarning import ProtectionWindows
from swordnet.storage import models

SORTS = ("priority", "date")
DECISIONS = ("confirm", "dismiss", "authorise")
MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the reviewer narrowed the queue to; None: not narrowed by this."""

    status: DetectionStatus | None = DetectionStatus.NEW
    work_id: int | None = None
    site: str | None = None  # a host, or a platform's domain
    evidence: str | None = None  # a modality, or "title"
    min_score: float | None = None
    max_score: float | None = None
    key_work: bool | None = None
    region: str | None = None  # a region code: it and below
    sort: str = "priority"

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise SwordNetError(f"sort by one of {', '.join(SORTS)}, not {self.sort!r}")


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    url: str
    work_id: int
    work_title: str
    key_work: bool
    prewarned: bool
    host: str | None
    platform: str | None
    modality: str
    evidence: str
    score: float
    sightings: int
    status: DetectionStatus
    reason: str | None
    region_code: str | None
    detected_at: datetime
    tier: int = 2  # 0 pre-warned, 1 key work, 2 the rest (priority order only)


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    filters: QueueFilters = field(default_factory=QueueFilters)


def _columns() -> Select[Any]:
    """What a row of the queue shows: plain columns, no ORM object per row."""
    d = models.Detection
    stmt: Any = (
        select(
            d.id,
            d.url,
            d.work_id,
            models.Work.title,
            models.Work.key_work,
            models.Capture.host,
            models.Platform.domain,
            d.modality,
            d.signal,
            d.score,
            d.sightings,
            d.status,
            d.status_reason,
            d.region_code,
            d.detected_at,
        )
        .join(models.Work, models.Work.id == d.work_id)
        .outerjoin(models.Capture, models.Capture.id == d.capture_id)
        .outerjoin(models.Platform, models.Platform.id == d.platform_id)
    )
    return cast(Select[Any], stmt)


def _shown(page: Select[Any], *order: Any) -> Select[Any]:
    """The rows of ``page`` (a select of detection ids, ordered and limited) with what the
    queue shows: the page is cut from the index first, then 50 rows are joined, not the
    thousands a region's index ranges hold."""
    chosen = page.subquery()
    return _columns().join(chosen, chosen.c.id == models.Detection.id).order_by(*order)


def filtered(stmt: Select[Any], filters: QueueFilters) -> Select[Any]:
    """``stmt`` (joined as ``_columns`` does, or over ``Detection`` alone) narrowed."""
    d = models.Detection
    if filters.status is not None:
        stmt = stmt.where(d.status == filters.status)
    if filters.work_id is not None:
        stmt = stmt.where(d.work_id == filters.work_id)
    if filters.site:
        site = filters.site.strip().lower()
        hosts = select(models.Capture.id).where(models.Capture.host == site)
        platforms = select(models.Platform.id).where(models.Platform.domain == site)
        stmt = stmt.where(or_(d.capture_id.in_(hosts), d.platform_id.in_(platforms)))
    if filters.evidence == TITLE_EVIDENCE:
        stmt = stmt.where(d.signal == TITLE_EVIDENCE)
    elif filters.evidence:
        stmt = stmt.where(d.modality == filters.evidence, d.signal != TITLE_EVIDENCE)
    if filters.min_score is not None:
        stmt = stmt.where(d.score >= filters.min_score)
    if filters.max_score is not None:
        stmt = stmt.where(d.score <= filters.max_score)
    if filters.key_work is not None:
        stmt = stmt.where(d.key_work == filters.key_work)
    if filters.region:
        path = select(models.Region.path).where(models.Region.code == filters.region)
        below = select(models.Region.code).where(
            models.Region.path.startswith(path.scalar_subquery())
        )
        stmt = stmt.where(d.region_code.in_(below))
    return stmt


# --- cursors --------------------------------------------------------------------------


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise SwordNetError("this page link is damaged; start from the first page") from None
    if not isinstance(values, list) or len(values) != size:
        raise SwordNetError("this page link is damaged; start from the first page")
    return values


# --- the queue ------------------------------------------------------------------------


def _prewarned(windows: ProtectionWindows, now: datetime) -> ColumnElement[bool]:
    """Detections of a work found inside its protection window, or protected now."""
    d = models.Detection
    open_now = sorted(windows.protected_at(now))
    conditions: list[ColumnElement[bool]] = []
    if open_now:
        conditions.append(d.work_id.in_(open_now))
    for work_id, spans in windows.windows.items():
        if work_id in open_now:
            continue
        for start, end in spans:
            conditions.append(
                and_(d.work_id == work_id, d.detected_at >= start, d.detected_at <= end)
            )
    return or_(*conditions) if conditions else false()


def review_page(
    session: Session,
    principal: Principal,
    filters: QueueFilters,
    *,
    now: datetime,
    cursor: str | None = None,
    limit: int = 50,
    action: str = "detections.read",
) -> QueuePage:
    """One page of the queue as ``principal`` may see it: one query per tier read (at most
    three), plus the protection windows."""
    d = models.Detection
    base = filtered(visible(select(d.id), principal, action, "detection"), filters)
    if filters.sort == "date":
        stmt = base
        if cursor:
            at, last = _decode(cursor, 2)
            stmt = stmt.where(
                tuple_(d.detected_at, d.id) < tuple_(datetime.fromisoformat(at), int(last))
            )
        by_date = (d.detected_at.desc(), d.id.desc())
        rows = _rows(session, _shown(stmt.order_by(*by_date).limit(limit + 1), *by_date))
        following = None
        if len(rows) > limit:
            rows = rows[:limit]
            following = _encode([rows[-1].detected_at.isoformat(), rows[-1].id])
        return QueuePage(rows, following, filters)

    windows = ProtectionWindows.load(session)
    prewarned = _prewarned(windows, now)
    # the work's key flag is copied onto the detection: each tier is a range of the index
    # (status, [region_code,] key_work, score, sightings, id)
    tiers: list[ColumnElement[bool] | None] = [
        prewarned if windows.windows else None,
        and_(d.key_work == true(), ~prewarned),
        and_(d.key_work == false(), ~prewarned),
    ]
    start_tier, after = 0, None
    if cursor:
        tier, score, sightings, last = _decode(cursor, 4)
        start_tier, after = int(tier), (float(score), int(sightings), int(last))
    found: list[QueueRow] = []
    for tier in range(start_tier, 3):
        condition = tiers[tier]
        if condition is None:
            continue
        stmt = base.where(condition)
        if after is not None and tier == start_tier:
            stmt = stmt.where(tuple_(d.score, d.sightings, d.id) < tuple_(*after))
        wanted = limit + 1 - len(found)
        order = (d.score.desc(), d.sightings.desc(), d.id.desc())
        found += [
            replace(row, tier=tier, prewarned=tier == 0)
            for row in _rows(session, _shown(stmt.order_by(*order).limit(wanted), *order))
        ]
        if len(found) > limit:
            break
    following = None
    if len(found) > limit:
        found = found[:limit]
        last_row = found[-1]
        following = _encode([last_row.tier, last_row.score, last_row.sightings, last_row.id])
    return QueuePage(found, following, filters)


def _rows(session: Session, stmt: Select[Any]) -> list[QueueRow]:
    return [
        QueueRow(
            id=row.id,
            url=row.url,
            work_id=row.work_id,
            work_title=row.title,
            key_work=row.key_work,
            prewarned=False,
            host=row.host,
            platform=row.domain,
            modality=row.modality,
            evidence=evidence_kind(row.modality, row.signal),
            score=row.score,
            sightings=row.sightings,
            status=row.status,
            reason=row.status_reason,
            region_code=row.region_code,
            detected_at=row.detected_at,
        )
        for row in session.execute(stmt)
    ]


def queue_row(session: Session, principal: Principal, detection_id: int) -> QueueRow:
    """One row of the queue (after a decision, to redraw it)."""
    stmt = visible(_columns(), principal, "detections.read", "detection").where(
        models.Detection.id == detection_id
    )
    rows = _rows(session, stmt)
    if not rows:
        raise NotVisible(f"no detection {detection_id} that you may see")
    return rows[0]


# --- decisions ------------------------------------------------------------------------


def decide(
    session: Session,
    principal: Principal,
    detection_ids: Sequence[int],
    decision: str,
    *,
    now: datetime,
    reason: str | None = None,
) -> list[int]:
    """Confirm, dismiss or authorise detections, each audited under the person's name.

    All or nothing: when any id is not one the person may review, none is changed
    (``NotVisible``). Returns the ids whose status changed. The caller commits."""
    ids = sorted(set(detection_ids))
    if not ids:
        raise SwordNetError("choose at least one detection")
    if len(ids) > MAX_BULK:
        raise SwordNetError(f"decide at most {MAX_BULK} detections at once")
    if decision not in DECISIONS:
        raise SwordNetError(f"the decision is one of {', '.join(DECISIONS)}, not {decision!r}")
    reachable = set(
        session.scalars(
            visible(
                select(models.Detection.id).where(models.Detection.id.in_(ids)),
                principal,
                "detections.review",
                "detection",
            )
        )
    )
    missing = [i for i in ids if i not in reachable]
    if missing:
        raise NotVisible(f"no detection {', '.join(map(str, missing))} that you may review")
    reason = (reason or "").strip() or None
    actor, user_id = principal.username, principal.user_id
    if decision == "confirm":
        return review.confirm(session, ids, actor=actor, now=now, reason=reason, user_id=user_id)
    if decision == "dismiss":
        return review.dismiss(
            session, ids, actor=actor, now=now, reason=reason or "", user_id=user_id
        )
    return review.mark_authorised(
        session, ids, actor=actor, now=now, reason=reason or "", user_id=user_id
    )
