"""Recording detections: a match found in captured content, stored once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.domain.matching import Match
from swordnet.services import audit
from swordnet.storage import models


def record_detection(
    session: Session,
    match: Match,
    *,
    url: str,
    capture: models.Capture | None = None,
    item: models.ExtractedItem | None = None,
    platform_id: int | None = None,
    campaign_id: int | None = None,
) -> tuple[models.Detection, bool]:
    """Store a detection unless this item already has one for this reference.

    Returns the detection and whether it is new; re-running detection is idempotent.
    """
    if item is not None and item.id is not None:
        existing = session.scalars(
            select(models.Detection).where(
                models.Detection.extracted_item_id == item.id,
                models.Detection.reference_id == match.reference_id,
            )
        ).first()
        if existing is not None:
            return existing, False
    detection = models.Detection(
        work_id=match.work_id,
        reference_id=match.reference_id,
        capture=capture,
        extracted_item=item,
        platform_id=platform_id,
        campaign_id=campaign_id,
        url=url,
        modality=match.modality,
        signal=match.signal,
        score=match.score,
        details=match.details,
    )
    for segment in match.segments:
        detection.segments.append(
            models.DetectionSegment(
                unit=segment.unit,
                query_start=_as_list(segment.query[0]),
                query_end=_as_list(segment.query[1]),
                reference_start=_as_list(segment.reference[0]),
                reference_end=_as_list(segment.reference[1]),
            )
        )
    session.add(detection)
    session.flush()
    audit.record(session, "system", "detection.created", "detection", detection.id,
                 work_id=match.work_id, url=url, score=match.score)  # fmt: skip
    return detection, True


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, tuple | list) else [value]
