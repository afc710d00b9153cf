"""Choosing detections in bulk for the review queue's decisions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.kinds import DetectionStatus
from swordnet.services.platforms import site_key
from swordnet.storage import models


def new_detection_ids(
    sessions: sessionmaker[Session],
    *,
    site: str | None = None,
    work_id: int | None = None,
    min_score: float | None = None,
) -> list[int]:
    """Ids of the new (undecided) detections on ``site`` (host[:port]), of ``work_id``,
    scoring at least ``min_score``; a filter left out does not filter."""
    query = select(models.Detection).where(models.Detection.status == DetectionStatus.NEW)
    if work_id is not None:
        query = query.where(models.Detection.work_id == work_id)
    if min_score is not None:
        query = query.where(models.Detection.score >= min_score)
    with sessions() as session:
        # The site is compared as site_key reads it from the URL, which SQL cannot do.
        return [d.id for d in session.scalars(query) if site is None or site_key(d.url) == site]
