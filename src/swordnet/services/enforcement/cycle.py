"""One enforcement cycle: authorise, auto-confirm, draft and send notices. Schedulers and
the demo run it; the re-check after the deadline (``compliance.recheck_due``) and the
escalation (``escalation.escalate``) follow later, on their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.kinds import DetectionStatus
from swordnet.plugins.notifiers import Notifier
from swordnet.services.enforcement.authorisation import authorise_new_detections
from swordnet.services.enforcement.delivery import crash_point, send_rendered
from swordnet.services.enforcement.notices import draft_notices
from swordnet.services.enforcement.review import auto_confirm
from swordnet.settings import EnforcementSettings
from swordnet.storage import models


@dataclass
class EnforcementSummary:
    authorised: int = 0
    auto_confirmed: int = 0
    awaiting_review: int = 0
    notices_drafted: int = 0
    notices_sent: int = 0
    notices_failed: int = 0
    notices_in_doubt: int = 0
    recipients: list[str] = field(default_factory=list)


def run_enforcement_cycle(
    sessions: sessionmaker[Session],
    settings: EnforcementSettings,
    notifier: Notifier,
    *,
    now: datetime | None = None,
    actor: str = "system",
) -> EnforcementSummary:
    """Authorise new detections, confirm those above the thresholds, render notices for the
    confirmed ones for ``notifier``'s channel (committed before sending) and send them.

    Safe to run again after a crash: nothing is drafted twice and nothing is sent twice."""
    now = now or models.utcnow()
    summary = EnforcementSummary()
    with sessions() as session, session.begin():
        summary.authorised = len(authorise_new_detections(session, actor=actor, now=now).authorised)
        summary.auto_confirmed = len(
            auto_confirm(session, settings.auto_confirm_thresholds(), actor=actor, now=now)
        )
        drafted = draft_notices(session, settings, actor=actor, now=now, channel=notifier.name)
        summary.notices_drafted = len(drafted)
        summary.awaiting_review = int(
            session.scalar(
                select(func.count())
                .select_from(models.Detection)
                .where(models.Detection.status == DetectionStatus.NEW)
            )
            or 0
        )
    crash_point("after_render")
    report = send_rendered(
        sessions, notifier, actor=actor, now=now, resend_in_doubt=settings.resend_in_doubt
    )
    summary.notices_sent = len(report.sent) + len(report.confirmed_earlier)
    summary.notices_failed = len(report.failed)
    summary.notices_in_doubt = len(report.in_doubt)
    with sessions() as session:
        summary.recipients = sorted(
            set(
                session.scalars(
                    select(models.Notice.recipient).where(models.Notice.key.in_(report.sent))
                )
            )
        )
    return summary
