"""One enforcement cycle: authorise, auto-confirm, draft and send notices; then, after the
deadline, re-check and escalate. The demo and schedulers call these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from swordnet.adapters.notifiers.smtp import SmtpNotifier
from swordnet.bootstrap import Container
from swordnet.domain.kinds import DetectionStatus
from swordnet.services.enforcement.authorisation import authorise_new_detections
from swordnet.services.enforcement.compliance import ComplianceSummary, recheck_due
from swordnet.services.enforcement.delivery import crash_point, send_rendered
from swordnet.services.enforcement.escalation import EscalationSummary, escalate
from swordnet.services.enforcement.notices import draft_notices
from swordnet.services.enforcement.review import auto_confirm
from swordnet.storage import models

__all__ = [
    "ComplianceSummary",
    "EnforcementSummary",
    "EscalationSummary",
    "escalate",
    "recheck_due",
    "run_enforcement_cycle",
]


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
    container: Container,
    *,
    smtp_host: str,
    smtp_port: int,
    now: datetime | None = None,
    actor: str = "demo",
) -> EnforcementSummary:
    """Authorise new detections, confirm those above the thresholds, render notices for the
    confirmed ones (committed before sending) and send them by SMTP to ``smtp_host:port``.

    Safe to run again after a crash: nothing is drafted twice and nothing is sent twice."""
    now = now or models.utcnow()
    settings = container.settings.enforcement
    summary = EnforcementSummary()
    with container.sessions() as session, session.begin():
        summary.authorised = len(authorise_new_detections(session, actor=actor, now=now).authorised)
        summary.auto_confirmed = len(
            auto_confirm(session, settings.auto_confirm, actor=actor, now=now)
        )
        drafted = draft_notices(session, settings, actor=actor, now=now, channel="smtp")
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
    notifier = SmtpNotifier.from_settings(
        container.settings.model_copy(
            update={
                "enforcement": settings.model_copy(
                    update={"smtp_host": smtp_host, "smtp_port": smtp_port}
                )
            }
        )
    )
    report = send_rendered(
        container.sessions,
        notifier,
        actor=actor,
        now=now,
        resend_in_doubt=settings.resend_in_doubt,
    )
    summary.notices_sent = len(report.sent) + len(report.confirmed_earlier)
    summary.notices_failed = len(report.failed)
    summary.notices_in_doubt = len(report.in_doubt)
    with container.sessions() as session:
        summary.recipients = sorted(
            set(
                session.scalars(
                    select(models.Notice.recipient).where(models.Notice.key.in_(report.sent))
                )
            )
        )
    return summary
