"""The review queue: priority order, confirm / dismiss / authorise singly or in bulk,
auto-confirmation above a threshold per kind of evidence. Every decision is audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from swordnet.domain.enforcement import evidence_kind, review_priority, should_auto_confirm
from swordnet.domain.errors import NotFoundError, SwordNetError
from swordnet.domain.kinds import DetectionStatus
from swordnet.services import audit
from swordnet.services.enforcement.authorisation import AUTHORISED_BY
from swordnet.services.enforcement.prewarning import ProtectionWindows
from swordnet.storage import models


class ReviewError(SwordNetError):
    """A review decision that cannot be taken (missing reason, wrong state)."""


@dataclass(frozen=True, slots=True)
class QueueEntry:
    detection_id: int
    url: str
    work_title: str
    modality: str
    evidence: str  # the modality, or "title" for a match of the work's title
    score: float
    reach: int
    key_work: bool
    prewarned: bool
    reason: str | None


def review_queue(
    session: Session,
    *,
    now: datetime | None = None,
    status: DetectionStatus = DetectionStatus.NEW,
    limit: int | None = None,
) -> list[QueueEntry]:
    """Detections waiting for a decision, most urgent first: works found during the
    protection window of a pre-warning list, then key works, then by score and reach
    (sightings). A work counts as pre-warned when it was detected inside a protection
    window, or when one is open at ``now``."""
    windows = ProtectionWindows.load(session)
    detections = session.scalars(
        select(models.Detection)
        .where(models.Detection.status == status)
        .options(selectinload(models.Detection.work))
    ).all()
    entries = [
        QueueEntry(
            detection_id=d.id,
            url=d.url,
            work_title=d.work.title,
            modality=d.modality,
            evidence=evidence_kind(d.modality, d.signal),
            score=d.score,
            reach=d.sightings,
            key_work=d.work.key_work,
            prewarned=windows.covers(d.work_id, d.detected_at)
            or (now is not None and windows.covers(d.work_id, now)),
            reason=d.status_reason,
        )
        for d in detections
    ]
    entries.sort(
        key=lambda e: (
            review_priority(
                prewarned=e.prewarned, key_work=e.key_work, score=e.score, reach=e.reach
            ),
            e.detection_id,
        )
    )
    return entries[:limit] if limit is not None else entries


def _decide(
    session: Session,
    detection_ids: Sequence[int],
    target: DetectionStatus,
    *,
    actor: str,
    now: datetime,
    reason: str | None,
    user_id: int | None,
) -> list[int]:
    detections = session.scalars(
        select(models.Detection).where(models.Detection.id.in_(detection_ids))
    ).all()
    missing = set(detection_ids) - {d.id for d in detections}
    if missing:
        raise NotFoundError(f"no detection with id {', '.join(map(str, sorted(missing)))}")
    changed: list[int] = []
    for detection in sorted(detections, key=lambda d: d.id):
        if detection.status == target:
            continue  # deciding twice the same way changes nothing
        previous = detection.status
        detection.status = target
        if reason:
            detection.status_reason = reason
        if AUTHORISED_BY in (detection.details or {}):
            # a person's decision now: withdrawing the license must not re-open it
            detection.details = {k: v for k, v in detection.details.items() if k != AUTHORISED_BY}
        detection.decided_by = user_id
        detection.decided_at = now
        changed.append(detection.id)
        audit.record(
            session,
            actor,
            f"detection.{target.value}",
            "detection",
            detection.id,
            previous=previous.value,
            reason=reason,
        )
    session.flush()
    return changed


def confirm(
    session: Session,
    detection_ids: Sequence[int],
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    user_id: int | None = None,
) -> list[int]:
    return _decide(
        session,
        detection_ids,
        DetectionStatus.CONFIRMED,
        actor=actor,
        now=now,
        reason=reason,
        user_id=user_id,
    )


def dismiss(
    session: Session,
    detection_ids: Sequence[int],
    *,
    actor: str,
    now: datetime,
    reason: str,
    user_id: int | None = None,
) -> list[int]:
    if not reason.strip():
        raise ReviewError("dismissing needs a reason")
    return _decide(
        session,
        detection_ids,
        DetectionStatus.DISMISSED,
        actor=actor,
        now=now,
        reason=reason,
        user_id=user_id,
    )


def mark_authorised(
    session: Session,
    detection_ids: Sequence[int],
    *,
    actor: str,
    now: datetime,
    reason: str,
    user_id: int | None = None,
) -> list[int]:
    if not reason.strip():
        raise ReviewError("marking a use authorised needs a reason (which license, which list)")
    return _decide(
        session,
        detection_ids,
        DetectionStatus.AUTHORISED,
        actor=actor,
        now=now,
        reason=reason,
        user_id=user_id,
    )


def auto_confirm(
    session: Session, thresholds: Mapping[str, float], *, actor: str, now: datetime
) -> list[int]:
    """Confirm new detections whose score reaches the threshold of their kind of evidence
    (a modality, or ``title``). Only ``new`` ones: an authorised use is never confirmed."""
    chosen = [
        d.id
        for d in session.scalars(
            select(models.Detection).where(models.Detection.status == DetectionStatus.NEW)
        )
        if should_auto_confirm(evidence_kind(d.modality, d.signal), d.score, thresholds)
    ]
    if not chosen:
        return []
    return confirm(session, chosen, actor=actor, now=now, reason="auto-confirmed above threshold")
