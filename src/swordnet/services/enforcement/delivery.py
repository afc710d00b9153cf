"""Sending rendered notices exactly once, as far as the transport lets us know.

Each notice goes through: rendered (stored with its hash, committed) -> attempt recorded
(committed) -> transport called -> attempt delivered and notice sent (one commit). After a
crash, a notice with no attempt is simply sent; a notice with an attempt that never settled
is *in doubt*: the transport is asked whether it has it (file exports can tell); webhooks
are resent because receivers deduplicate by the notice key; e-mail is held for an operator
(``resend_in_doubt``) since SMTP cannot be asked, and if resent it carries the same
Message-ID. See docs/enforcement.md.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from swordnet.domain.errors import NotFoundError
from swordnet.domain.kinds import NoticeItemStatus, NoticeStatus
from swordnet.plugins.notifiers import Notifier, OutgoingNotice
from swordnet.services import audit, ledger
from swordnet.services.enforcement.notices import (
    holder_context,
    item_context,
    notice_html,
    platform_context,
)
from swordnet.services.enforcement.rendering import notice_recipients, render_pdf
from swordnet.services.ledger import evidence
from swordnet.storage import models

CRASH_ENV = "SWORDNET_CRASH_AT"  # test hook: the crash tests kill the process at a point


def crash_point(name: str) -> None:
    """Die at once, as a power cut would, when the crash test asks for this point."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@runtime_checkable
class ConfirmsDelivery(Protocol):
    """A transport that can tell whether it already holds a notice."""

    def was_delivered(self, key: str) -> bool | None: ...


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # notice keys
    failed: list[tuple[str, str]] = field(default_factory=list)  # key, error
    in_doubt: list[str] = field(default_factory=list)
    confirmed_earlier: list[str] = field(default_factory=list)


def outgoing_notice(notice: models.Notice, *, with_pdf: bool = True) -> OutgoingNotice:
    """The rendered notice as a transport sees it: text, HTML, PDF and structured data."""
    text = notice.body_text or ""
    detections = [item.detection for item in notice.items]
    language = notice.language
    attachments: dict[str, bytes] = {}
    if with_pdf:
        attachments[f"notice-{notice.key[:16]}.pdf"] = render_pdf(notice.subject or "", text)
    data = {
        "jurisdiction": notice.jurisdiction,
        "language": language,
        "date_sent": notice.created_at.date().isoformat(),
        "deadline_at": notice.deadline_at.isoformat() if notice.deadline_at else None,
        "body_sha256": notice.body_sha256,
        "holder": holder_context(
            detections[0].work.holder if detections else None,
            language,
            on=notice.created_at.date(),
        ),
        "platform": platform_context(notice.platform, notice.recipient),
        "items": [item_context(d, n, language) for n, d in enumerate(detections, start=1)],
    }
    platform = notice.platform
    by_mail = "@" in notice.recipient and "://" not in notice.recipient
    # the platform's other notice addresses, as declared when the notice goes out
    copies = (
        tuple(a for a in notice_recipients(platform) if a != notice.recipient)
        if by_mail and platform is not None
        else ()
    )
    return OutgoingNotice(
        key=notice.key,
        message_id=notice.message_id,
        recipient=notice.recipient,
        subject=notice.subject or "",
        text=text,
        html=notice_html(notice),
        attachments=attachments,
        data=data,
        copies=copies,
        signing_secret=platform.webhook_secret if platform is not None and not by_mail else None,
    )


@dataclass(frozen=True, slots=True)
class NoticeItemState:
    id: int
    url: str
    status: NoticeItemStatus
    check_detail: str | None


@dataclass(frozen=True, slots=True)
class NoticeView:
    """A notice as it goes out, and where each of its items stands."""

    outgoing: OutgoingNotice  # without the PDF: ``notice_pdf`` renders it on request
    items: list[NoticeItemState]


def _get_notice(session: Session, notice_id: int) -> models.Notice:
    notice = session.get(models.Notice, notice_id)
    if notice is None:
        raise NotFoundError(f"no notice with id {notice_id}")
    return notice


def notice_view(sessions: sessionmaker[Session], notice_id: int) -> NoticeView:
    with sessions() as session:
        notice = _get_notice(session, notice_id)
        return NoticeView(
            outgoing_notice(notice, with_pdf=False),
            [NoticeItemState(i.id, i.url, i.status, i.check_detail) for i in notice.items],
        )


def notice_pdf(sessions: sessionmaker[Session], notice_id: int) -> bytes:
    """The notice as the PDF attached to it when sent."""
    with sessions() as session:
        notice = _get_notice(session, notice_id)
        return render_pdf(notice.subject or "", notice.body_text or "")


def _load(session: Session, notice_id: int) -> models.Notice:
    notice = session.scalars(
        select(models.Notice)
        .where(models.Notice.id == notice_id)
        .options(selectinload(models.Notice.items))
    ).one()
    return notice


def _mark_sent(
    session: Session,
    notice: models.Notice,
    attempt: models.NoticeDelivery,
    reference: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    attempt.outcome = "delivered"
    attempt.reference = reference
    attempt.finished_at = now
    notice.status = NoticeStatus.SENT
    notice.sent_at = now
    notice.delivery_ref = reference
    audit.record(
        session,
        actor,
        "notice.sent",
        "notice",
        notice.id,
        key=notice.key,
        channel=attempt.channel,
        reference=reference,
        attempt=attempt.attempt,
    )
    ledger.record(
        session, evidence.NOTICE_SENT, evidence.notice_sent_record(notice, attempt, reference)
    )


def _prepare_attempt(
    session: Session,
    notice: models.Notice,
    notifier: Notifier,
    *,
    actor: str,
    now: datetime,
    resend_in_doubt: bool,
    report: DeliveryReport,
) -> models.NoticeDelivery | None:
    """Settle earlier attempts, then record a new one; None when nothing is to be sent."""
    earlier = session.scalars(
        select(models.NoticeDelivery)
        .where(models.NoticeDelivery.notice_id == notice.id)
        .order_by(models.NoticeDelivery.attempt)
    ).all()
    for attempt in earlier:
        if attempt.outcome == "delivered":
            _mark_sent(session, notice, attempt, attempt.reference or "", actor=actor, now=now)
            report.confirmed_earlier.append(notice.key)
            return None
        if attempt.outcome != "attempting":
            continue
        known = (
            notifier.was_delivered(notice.key) if isinstance(notifier, ConfirmsDelivery) else None
        )
        if known is True:
            _mark_sent(session, notice, attempt, "confirmed by transport", actor=actor, now=now)
            report.confirmed_earlier.append(notice.key)
            return None
        if known is None and not (resend_in_doubt or getattr(notifier, "safe_to_resend", False)):
            report.in_doubt.append(notice.key)
            return None
        attempt.outcome = "failed"
        attempt.error = (
            "interrupted; transport does not hold it"
            if known is False
            else ("interrupted; resent by decision")
        )
        attempt.finished_at = now
    number = int(
        session.scalar(
            select(func.max(models.NoticeDelivery.attempt)).where(
                models.NoticeDelivery.notice_id == notice.id
            )
        )
        or 0
    )
    attempt = models.NoticeDelivery(
        notice_id=notice.id,
        attempt=number + 1,
        channel=notifier.name,
        outcome="attempting",
        actor=actor,
        started_at=now,
    )
    session.add(attempt)
    session.flush()
    return attempt


def send_rendered(
    sessions: sessionmaker[Session],
    notifier: Notifier,
    *,
    actor: str,
    now: datetime,
    notice_ids: list[int] | None = None,
    resend_in_doubt: bool = False,
    with_pdf: bool = True,
) -> DeliveryReport:
    """Send every rendered notice of the notifier's channel, each in its own transactions."""
    report = DeliveryReport()
    with sessions() as session:
        query = select(models.Notice.id).where(
            models.Notice.status == NoticeStatus.RENDERED,
            models.Notice.channel == notifier.name,
        )
        if notice_ids is not None:
            query = query.where(models.Notice.id.in_(notice_ids))
        pending = list(session.scalars(query.order_by(models.Notice.id)))
    for notice_id in pending:
        try:
            with sessions() as session, session.begin():
                notice = _load(session, notice_id)
                if notice.status != NoticeStatus.RENDERED:
                    continue  # another sender got there first
                attempt = _prepare_attempt(
                    session,
                    notice,
                    notifier,
                    actor=actor,
                    now=now,
                    resend_in_doubt=resend_in_doubt,
                    report=report,
                )
                if attempt is None:
                    continue
                attempt_id = attempt.id
                outgoing = outgoing_notice(notice, with_pdf=with_pdf)
        except IntegrityError:
            continue  # a concurrent sender recorded the same attempt number: it owns it
        crash_point("after_attempt")
        try:
            receipt = notifier.send(outgoing)
        except Exception as exc:  # any transport fault: record it, the next run retries
            with sessions() as session, session.begin():
                attempt = session.get_one(models.NoticeDelivery, attempt_id)
                attempt.outcome = "failed"
                attempt.error = f"{type(exc).__name__}: {exc}"
                attempt.finished_at = now
                audit.record(
                    session,
                    actor,
                    "notice.delivery_failed",
                    "notice",
                    notice_id,
                    error=attempt.error,
                )
            report.failed.append((outgoing.key, f"{type(exc).__name__}: {exc}"))
            continue
        crash_point("after_transport")
        with sessions() as session, session.begin():
            notice = _load(session, notice_id)
            attempt = session.get_one(models.NoticeDelivery, attempt_id)
            _mark_sent(session, notice, attempt, receipt.reference, actor=actor, now=now)
        report.sent.append(outgoing.key)
    return report
