"""Recording detections: a match found in captured content, stored once, then decided
(licenses and white lists applied) before anything else can act on it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from swordnet.domain.matching import Match
from swordnet.services import audit, ledger
from swordnet.services.enforcement.authorisation import decide
from swordnet.services.ledger import evidence
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
    region_code: str | None = None,
) -> tuple[models.Detection, bool]:
    """Store a detection unless this URL already has one for this reference.

    Returns the detection and whether it is new. Seeing a known copy again counts a
    sighting and keeps the better score; re-running detection never duplicates.
    ``region_code``: the region it belongs to (its platform's, else its target's). A new
    detection is decided at once: a use a license or the white list covers is stored
    ``authorised`` with the reason, so no later step can confirm or notice it.
    """
    url_hash = url_sha256(url)
    existing = _existing(session, url_hash, match.reference_id)
    if existing is not None:
        return _sighted(existing, capture, item), False
    detection = models.Detection(
        work_id=match.work_id,
        reference_id=match.reference_id,
        capture=capture,
        extracted_item=item,
        platform_id=platform_id,
        campaign_id=campaign_id,
        region_code=region_code,
        url=url,
        url_sha256=url_hash,
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
    try:
        # two crawls (two targets, two processes) can find the same copy at once: the
        # unique constraint decides, and the loser counts a sighting instead
        with session.begin_nested():
            session.add(detection)
            session.flush()
    except IntegrityError:
        existing = _existing(session, url_hash, match.reference_id)
        if existing is None:
            raise
        return _sighted(existing, capture, item), False
    audit.record(
        session,
        "system",
        "detection.created",
        "detection",
        detection.id,
        work_id=match.work_id,
        url=url,
        score=match.score,
    )
    version = session.scalar(
        select(models.Fingerprint.version).where(
            models.Fingerprint.reference_id == match.reference_id,
            models.Fingerprint.signal == match.signal,
        )
    )
    ledger.record(session, evidence.DETECTION, evidence.detection_record(detection, version))
    decide(session, detection, actor="system", now=detection.detected_at)
    return detection, True


def _existing(session: Session, url_hash: str, reference_id: int) -> models.Detection | None:
    return session.scalars(
        select(models.Detection).where(
            models.Detection.url_sha256 == url_hash,
            models.Detection.reference_id == reference_id,
        )
    ).first()


def _sighted(
    existing: models.Detection,
    capture: models.Capture | None,
    item: models.ExtractedItem | None,
) -> models.Detection:
    """A known copy seen again: count the sighting, point at the newest capture."""
    if capture is None or existing.capture_id != capture.id:
        existing.sightings += 1
        existing.last_seen_at = models.utcnow()
    if capture is not None:
        existing.capture = capture
        existing.extracted_item = item
    return existing


def url_sha256(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, tuple | list) else [value]
