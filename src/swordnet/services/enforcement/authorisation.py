"""Dropping authorised uses: licenses and white lists decide, per detection, with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from swordnet.domain.enforcement import (
    LicenseTerms,
    UseOfWork,
    WhiteListTerms,
    decide_authorisation,
)
from swordnet.domain.kinds import DetectionStatus
from swordnet.services import audit
from swordnet.storage import models


@dataclass
class AuthorisationReport:
    checked: int = 0
    authorised: list[int] = field(default_factory=list)  # detection ids


def license_terms(record: models.License) -> LicenseTerms:
    return LicenseTerms(
        licensee=record.licensee,
        domains=tuple(record.domains or ()),
        accounts=tuple(str(a) for a in record.accounts or ()),
        platform_ids=tuple(int(p) for p in record.platform_ids or ()),
        territory=tuple(record.territory or ()),
        rights=tuple(record.rights or ()),
        starts_on=record.starts_on,
        ends_on=record.ends_on,
        license_id=record.id,
    )


def white_list_terms(record: models.WhiteListEntry) -> WhiteListTerms:
    return WhiteListTerms(
        domain=record.domain,
        scope=record.scope,
        starts_on=record.starts_on,
        ends_on=record.ends_on,
        name=record.name,
        entry_id=record.id,
    )


def use_of(detection: models.Detection, seen_on: datetime) -> UseOfWork:
    parts = urlsplit(detection.url)
    host = (parts.hostname or "").lower()
    if parts.port:
        host = f"{host}:{parts.port}"
    account = detection.details.get("account") if detection.details else None
    country = detection.platform.meta.get("country") if detection.platform else None
    return UseOfWork(
        host=host,
        on=seen_on.date(),
        work_kind=str(detection.work.kind.value),
        platform_id=detection.platform_id,
        account=str(account) if account else None,
        country=str(country) if country else None,
    )


def authorise_new_detections(
    session: Session, *, actor: str, now: datetime, detection_ids: list[int] | None = None
) -> AuthorisationReport:
    """Mark new detections covered by a license or white list as authorised, with the reason.

    Uncovered ones stay new (for review); the reason is kept on them too so that a reviewer
    sees why no license applied."""
    query = (
        select(models.Detection)
        .where(models.Detection.status == DetectionStatus.NEW)
        .options(selectinload(models.Detection.work).selectinload(models.Work.licenses))
        .order_by(models.Detection.id)
    )
    if detection_ids is not None:
        query = query.where(models.Detection.id.in_(detection_ids))
    entries = [white_list_terms(r) for r in session.scalars(select(models.WhiteListEntry))]
    report = AuthorisationReport()
    for detection in session.scalars(query):
        report.checked += 1
        licenses = [license_terms(r) for r in detection.work.licenses]
        verdict = decide_authorisation(use_of(detection, detection.detected_at), licenses, entries)
        detection.status_reason = verdict.reason
        if verdict.authorised:
            detection.status = DetectionStatus.AUTHORISED
            detection.decided_at = now
            report.authorised.append(detection.id)
            audit.record(
                session,
                actor,
                "detection.authorised",
                "detection",
                detection.id,
                reason=verdict.reason,
                rule="license/white list",
            )
    session.flush()
    return report
