"""The decide stage: licenses and white lists applied to detections, with the reason.

``decide`` runs on every detection as it is recorded (``services.detections``), so that a
licensed or white-listed use is set aside before anyone can confirm or notice it.
``redecide_detections`` runs again when a license or a white-list entry is added, changed or
removed, over the detections no notice names yet: a new license authorises them, a
withdrawn one re-opens what it had authorised. What a person decided (dismissed, or
authorised by hand) is left alone. The rules themselves are pure
(``domain.enforcement.decide_authorisation`` and ``status_after_rules``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from swordnet.domain.enforcement import (
    AuthorisationDecision,
    LicenseTerms,
    UseOfWork,
    WhiteListTerms,
    decide_authorisation,
    status_after_rules,
)
from swordnet.domain.kinds import DetectionStatus
from swordnet.services import audit
from swordnet.storage import models

# Key of a detection's ``details`` naming the record that authorised it (a license or a
# white-list entry): set only by the rules, so that withdrawing the record can re-open it.
AUTHORISED_BY = "authorised_by"


@dataclass(frozen=True, slots=True)
class Added:
    """A license or white-list entry stored, and how many detections it authorised."""

    id: int
    authorised: int


@dataclass
class AuthorisationReport:
    checked: int = 0
    authorised: list[int] = field(default_factory=list)  # detection ids
    reopened: list[int] = field(default_factory=list)  # authorised by a rule no longer there


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


def load_white_list(session: Session) -> list[WhiteListTerms]:
    return [white_list_terms(r) for r in session.scalars(select(models.WhiteListEntry))]


def _licenses_by_work(session: Session, work_ids: Collection[int]) -> dict[int, list[LicenseTerms]]:
    # queried rather than read from ``Work.licenses``: a collection loaded earlier in the
    # session would not show a license added or deleted since
    found: dict[int, list[LicenseTerms]] = defaultdict(list)
    query = select(models.License).where(models.License.work_id.in_(set(work_ids)))
    for record in session.scalars(query.order_by(models.License.id)):
        found[record.work_id].append(license_terms(record))
    return found


def decide(
    session: Session,
    detection: models.Detection,
    *,
    actor: str,
    now: datetime,
    white_list: Sequence[WhiteListTerms] | None = None,
) -> AuthorisationDecision:
    """Apply the work's licenses and the white list to one detection, as it is recorded.

    Authorised: the detection becomes ``authorised`` with the reason and the authorising
    record, and the audit trail says so. Otherwise it stays ``new``, with the reason no
    license applied, for a reviewer to see."""
    entries = load_white_list(session) if white_list is None else white_list
    licenses = _licenses_by_work(session, [detection.work_id])[detection.work_id]
    verdict = decide_authorisation(use_of(detection, detection.detected_at), licenses, entries)
    _settle(session, detection, verdict, actor=actor, now=now, cause="recorded")
    return verdict


def redecide_detections(
    session: Session,
    *,
    actor: str,
    now: datetime,
    work_ids: Collection[int] | None = None,
    cause: str = "licenses or white list changed",
) -> AuthorisationReport:
    """Apply licenses and white lists again to every detection no notice names yet.

    Call it in the transaction that adds, changes or removes a license (``work_ids``: the
    license's work) or a white-list entry (all works). ``cause`` goes to the audit trail."""
    noticed = select(models.NoticeItem.detection_id)
    query = (
        select(models.Detection)
        .where(
            models.Detection.status.in_(
                [DetectionStatus.NEW, DetectionStatus.CONFIRMED, DetectionStatus.AUTHORISED]
            ),
            models.Detection.id.not_in(noticed),
        )
        .options(selectinload(models.Detection.work), selectinload(models.Detection.platform))
        .order_by(models.Detection.id)
    )
    if work_ids is not None:
        query = query.where(models.Detection.work_id.in_(set(work_ids)))
    return _apply(session, list(session.scalars(query)), actor=actor, now=now, cause=cause)


def authorise_new_detections(
    session: Session, *, actor: str, now: datetime, detection_ids: list[int] | None = None
) -> AuthorisationReport:
    """Apply licenses and white lists to the detections still ``new`` (``review authorise
    --check``). Detections are decided when recorded; this catches up on detections stored
    before the decide stage existed."""
    query = (
        select(models.Detection)
        .where(models.Detection.status == DetectionStatus.NEW)
        .options(selectinload(models.Detection.work), selectinload(models.Detection.platform))
        .order_by(models.Detection.id)
    )
    if detection_ids is not None:
        query = query.where(models.Detection.id.in_(detection_ids))
    detections = list(session.scalars(query))
    return _apply(session, detections, actor=actor, now=now, cause="authorisation check")


def _apply(
    session: Session,
    detections: list[models.Detection],
    *,
    actor: str,
    now: datetime,
    cause: str,
) -> AuthorisationReport:
    entries = load_white_list(session)
    licenses = _licenses_by_work(session, {d.work_id for d in detections})
    report = AuthorisationReport()
    for detection in detections:
        report.checked += 1
        use = use_of(detection, detection.detected_at)
        verdict = decide_authorisation(use, licenses.get(detection.work_id, []), entries)
        change = _settle(session, detection, verdict, actor=actor, now=now, cause=cause)
        if change == "authorised":
            report.authorised.append(detection.id)
        elif change == "reopened":
            report.reopened.append(detection.id)
    session.flush()
    return report


def authorising_record(detection: models.Detection) -> dict[str, Any]:
    """The license or white-list entry that authorised the detection; empty if none did."""
    grounds = (detection.details or {}).get(AUTHORISED_BY)
    return dict(grounds) if isinstance(grounds, dict) else {}


def _settle(
    session: Session,
    detection: models.Detection,
    verdict: AuthorisationDecision,
    *,
    actor: str,
    now: datetime,
    cause: str,
) -> str | None:
    """Store the verdict on the detection; "authorised", "reopened", or None if unchanged."""
    previous, grounds = detection.status, authorising_record(detection)
    target = status_after_rules(previous, bool(grounds), verdict)
    details = {k: v for k, v in (detection.details or {}).items() if k != AUTHORISED_BY}
    if target is DetectionStatus.AUTHORISED:
        if previous is DetectionStatus.AUTHORISED and grounds in ({}, verdict.grounds):
            return None  # authorised by a person, or by this very record: nothing to add
        detection.status = target
        detection.status_reason = verdict.reason
        detection.details = {**details, AUTHORISED_BY: verdict.grounds}  # a new dict: saved
        detection.decided_by, detection.decided_at = None, now
        audit.record(
            session,
            actor,
            "detection.authorised",
            "detection",
            detection.id,
            previous=previous.value,
            reason=verdict.reason,
            rule="white list" if verdict.white_list_entry_id is not None else "license",
            cause=cause,
            **verdict.grounds,
        )
        return "authorised"
    if target is DetectionStatus.NEW and previous is DetectionStatus.AUTHORISED:
        detection.status = target
        detection.status_reason = verdict.reason
        detection.details = details
        detection.decided_by, detection.decided_at = None, now
        audit.record(
            session,
            actor,
            "detection.reopened",
            "detection",
            detection.id,
            previous=previous.value,
            reason=verdict.reason,
            withdrawn=grounds,
            cause=cause,
        )
        return "reopened"
    if target is DetectionStatus.NEW:
        detection.status_reason = verdict.reason  # why no license applied, for the reviewer
    return None
