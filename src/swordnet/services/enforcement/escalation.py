"""Repeat infringers: a case is opened and a site shutdown request to the telecom regulator
is drafted, with the notice history attached."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.cases import CaseState, TargetKind
from swordnet.domain.enforcement import (
    InfringerRecord,
    RepeatInfringerPolicy,
    escalation_grounds,
    escalation_reason,
)
from swordnet.domain.kinds import (
    AgencyKind,
    CaseStatus,
    DetectionStatus,
    NoticeItemStatus,
    NoticeStatus,
)
from swordnet.services import audit
from swordnet.services.cases.events import case_event
from swordnet.services.enforcement.rendering import render, sha256_text
from swordnet.services.enforcement.vocabulary import NOTICE_STATUSES, grounds_text, term
from swordnet.services.parties.regions import nearest_agency
from swordnet.settings import EnforcementSettings
from swordnet.storage import models


@dataclass
class EscalationSummary:
    cases_opened: list[int] = field(default_factory=list)
    shutdown_requests: list[int] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)  # platform domains escalated


def policy_from(settings: EnforcementSettings) -> RepeatInfringerPolicy:
    return RepeatInfringerPolicy(
        ignored_notices=settings.repeat_ignored_notices,
        confirmed_detections=settings.repeat_confirmed_detections,
        window=timedelta(days=settings.repeat_window_days),
    )


def infringer_record(session: Session, platform_id: int, *, since: datetime) -> InfringerRecord:
    ignored = session.scalar(
        select(func.count())
        .select_from(models.Notice)
        .where(
            models.Notice.platform_id == platform_id,
            models.Notice.status == NoticeStatus.IGNORED,
            models.Notice.sent_at >= since,
        )
    )
    confirmed = session.scalar(
        select(func.count())
        .select_from(models.Detection)
        .where(
            models.Detection.platform_id == platform_id,
            models.Detection.status == DetectionStatus.CONFIRMED,
            models.Detection.detected_at >= since,
        )
    )
    return InfringerRecord(
        ignored_notices=int(ignored or 0), confirmed_detections=int(confirmed or 0)
    )


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One notice of a shutdown request's history, as its document prints it: explicit
    fields, so that no template can reach a dict's methods (``n.items`` once printed
    ``<built-in method items of dict object>``)."""

    key: str
    sent_at: str
    deadline_at: str
    status: str  # in the document's language
    item_count: int
    removed: int


_SUBJECTS = {
    "zh": "关停网站请求：{domain}",
    "en": "Site shutdown request: {domain}",
}


def notice_lines(history: list[dict[str, Any]], language: str) -> list[NoticeLine]:
    return [
        NoticeLine(
            key=row["key"],
            sent_at=row["sent_at"],
            deadline_at=row["deadline_at"],
            status=term(NOTICE_STATUSES, row["status"], language),
            item_count=row["items"],
            removed=row["removed"],
        )
        for row in history
    ]


def notice_history(session: Session, platform_id: int) -> list[dict[str, Any]]:
    notices = session.scalars(
        select(models.Notice)
        .where(models.Notice.platform_id == platform_id, models.Notice.sent_at.is_not(None))
        .order_by(models.Notice.sent_at)
    ).all()
    return [
        {
            "key": n.key,
            "sent_at": n.sent_at.strftime("%Y-%m-%d %H:%M UTC") if n.sent_at else "-",
            "deadline_at": n.deadline_at.strftime("%Y-%m-%d %H:%M UTC") if n.deadline_at else "-",
            "status": n.status.value,
            "items": len(n.items),
            "removed": sum(1 for i in n.items if i.status is NoticeItemStatus.REMOVED),
            "body_sha256": n.body_sha256,
            "urls": [i.url for i in n.items],
        }
        for n in notices
    ]


def _already_escalated(session: Session, platform_id: int) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(models.Case)
            .where(
                models.Case.platform_id == platform_id,
                models.Case.status != CaseStatus.CLOSED,  # open or referred
                models.Case.shutdown_requested.is_(True),
            )
        )
        or 0
    ) > 0


def escalate(
    sessions: sessionmaker[Session],
    settings: EnforcementSettings,
    *,
    now: datetime,
    actor: str = "system",
    policy: RepeatInfringerPolicy | None = None,
) -> EscalationSummary:
    """Open a case and draft a shutdown request for every site the policy names, once.

    ``policy`` defaults to the one in the settings (``enforcement.repeat_*``)."""
    policy = policy or policy_from(settings)
    summary = EscalationSummary()
    with sessions() as session, session.begin():
        for platform in session.scalars(select(models.Platform).order_by(models.Platform.id)):
            if _already_escalated(session, platform.id):
                continue
            record = infringer_record(session, platform.id, since=now - policy.window)
            grounds = escalation_grounds(record, policy)
            reason = escalation_reason(record, policy)
            if grounds is None or reason is None:
                continue
            detections = session.scalars(
                select(models.Detection).where(
                    models.Detection.platform_id == platform.id,
                    models.Detection.status == DetectionStatus.CONFIRMED,
                )
            ).all()
            # the telecom regulator of the platform's region, or of its nearest ancestor
            telecom = nearest_agency(session, platform.region_code, AgencyKind.TELECOM)
            regulator_name = telecom.name if telecom is not None else settings.regulator_name
            regulator_email = (
                telecom.email if telecom is not None and telecom.email else settings.regulator_email
            )
            case = models.Case(
                title=f"Repeat infringer: {platform.name} ({platform.domain})",
                platform_id=platform.id,
                region_code=platform.region_code,
                operator=platform.operator,
                status=CaseStatus.OPEN,
                state=CaseState.INTAKE.value,
                source="escalation",
                target_kind=TargetKind.SITE.value,
                target_identifiers={
                    k: v
                    for k, v in {
                        "domain": platform.domain,
                        "icp_filing": platform.icp_filing,
                        "hosting_provider": platform.hosting_provider,
                        "registrar": platform.registrar,
                    }.items()
                    if v
                },
                shutdown_requested=True,
                notes=reason,
                opened_at=now,
            )
            case.detections = list(detections)
            session.add(case)
            session.flush()
            history = notice_history(session, platform.id)
            context = {
                "regulator": regulator_name,
                "platform": platform,
                "case": case,
                "date": now.strftime("%Y-%m-%d"),
                "reason": grounds_text(grounds, settings.language),
                "notices": notice_lines(history, settings.language),
                "confirmed": len(detections),
                "sender": settings.sender,
            }
            text = render(f"notices/shutdown_request.{settings.language}.txt.j2", **context)
            request = models.ShutdownRequest(
                case_id=case.id,
                platform_id=platform.id,
                recipient=regulator_email,
                reason=reason,
                subject=_SUBJECTS[settings.language].format(domain=platform.domain),
                body_text=text,
                body_sha256=sha256_text(text),
                attachments=history,
                created_by=actor,
                created_at=now,
            )
            session.add(request)
            session.flush()
            case_event(
                session,
                case,
                "opened",
                {
                    "source": "escalation",
                    "reason": reason,
                    "platform": platform.domain,
                    "detections": len(detections),
                    "shutdown_request_id": request.id,
                },
                actor,
                at=now,
            )
            audit.record(
                session,
                actor,
                "shutdown_request.drafted",
                "shutdown_request",
                request.id,
                case_id=case.id,
                recipient=request.recipient,
                agency_id=telecom.id if telecom is not None else None,
                body_sha256=request.body_sha256,
                notices=[n["key"] for n in history],
            )
            summary.cases_opened.append(case.id)
            summary.shutdown_requests.append(request.id)
            summary.sites.append(platform.domain)
    return summary


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: int
    title: str
    status: CaseStatus
    opened_at: datetime
    detections: int
    shutdown_requested: bool
    notes: str | None


def list_cases(sessions: sessionmaker[Session]) -> list[CaseSummary]:
    """Every case, oldest first, with how many detections it holds."""
    with sessions() as session:
        return [
            CaseSummary(
                c.id,
                c.title,
                c.status,
                c.opened_at,
                len(c.detections),
                c.shutdown_requested,
                c.notes,
            )
            for c in session.scalars(select(models.Case).order_by(models.Case.id))
        ]
