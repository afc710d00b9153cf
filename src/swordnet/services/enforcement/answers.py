"""The use cases of the people on either side of a notice, as the web app and the API run
them: the officer drafts and sends for the detections they may see; the platform answers
each item (removed, or a counter-notice with its grounds) and acknowledges pre-warning
lists; the rights holder contests a counter-notice and files complaints. Each acts under
the real user's name in the audit trail, and only on rows the policy lets them reach.

A platform saying "removed" is its answer, not a verdict: the item stays pending until the
re-check verifies the URL is gone (docs/enforcement.md, section 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import NoticeItemStatus, NoticeStatus, Role
from swordnet.plugins.notifiers import Notifier
from swordnet.services import audit, ledger
from swordnet.services.access import Forbidden, NotVisible, Principal, one_visible, visible
from swordnet.services.context import AppContext
from swordnet.services.enforcement import compliance, prewarning
from swordnet.services.enforcement.browse import PLATFORM_REMOVED, draftable, open_notice
from swordnet.services.enforcement.delivery import DeliveryReport, send_rendered
from swordnet.services.enforcement.notices import JURISDICTIONS, draft_notices
from swordnet.settings import EnforcementSettings
from swordnet.storage import models

ANSWERABLE = frozenset(
    {NoticeItemStatus.PENDING, NoticeItemStatus.STILL_THERE, NoticeItemStatus.CHANGED}
)
ANSWERS = ("removed", "counter_notice")


class AnswerRefusedError(SwordNetError):
    """The item cannot take this answer (already answered, notice not sent, ...)."""


def draft_for(
    session: Session,
    settings: EnforcementSettings,
    principal: Principal,
    *,
    now: datetime,
    channel: str,
    language: str,
    jurisdiction: str | None = None,
) -> list[models.Notice]:
    """Draft notices for the confirmed detections ``principal`` may notice."""
    jurisdiction = jurisdiction or settings.jurisdiction
    if jurisdiction not in JURISDICTIONS:
        raise SwordNetError(f"no jurisdiction {jurisdiction!r}: use {', '.join(JURISDICTIONS)}")
    if language not in ("zh", "en"):
        raise SwordNetError("the notice language is zh or en")
    ids, _groups = draftable(session, principal)
    if not ids:
        raise SwordNetError("no confirmed detection is waiting for a notice")
    return draft_notices(
        session,
        settings,
        actor=principal.username,
        now=now,
        channel=channel,
        jurisdiction=jurisdiction,
        language=language,
        detection_ids=ids,
    )


def channel_of(sessions: sessionmaker[Session], principal: Principal, notice_id: int) -> str:
    """The channel a notice the caller may send was drafted for (to build its notifier)."""
    with sessions() as session:
        notice = open_notice(session, principal, notice_id, "notices.send")
        if notice.status is not NoticeStatus.RENDERED:
            raise SwordNetError(f"notice {notice_id} is {notice.status.value}: nothing to send")
        return notice.channel


def send_one(
    sessions: sessionmaker[Session],
    notifier: Notifier,
    principal: Principal,
    notice_id: int,
    *,
    now: datetime,
    resend_in_doubt: bool,
) -> DeliveryReport:
    """Send one rendered notice through ``notifier`` (built by the composition root)."""
    channel_of(sessions, principal, notice_id)  # visible and still to send
    return send_rendered(
        sessions,
        notifier,
        actor=principal.username,
        now=now,
        notice_ids=[notice_id],
        resend_in_doubt=resend_in_doubt,
    )


def recheck_notice(
    container: AppContext,
    principal: Principal,
    notice_id: int,
    *,
    now: datetime,
    progress: Callable[[str, int], None] | None = None,
) -> compliance.ComplianceSummary:
    """Re-check one notice now: its deadline must have passed (a platform is judged only
    after the time it was given)."""
    with container.sessions() as session:
        notice = open_notice(session, principal, notice_id, "notices.send")
        if notice.status is not NoticeStatus.SENT:
            raise SwordNetError(
                f"notice {notice_id} is {notice.status.value}: not awaiting a check"
            )
        if notice.deadline_at is not None and notice.deadline_at > now:
            raise SwordNetError(
                f"the deadline of notice {notice_id} has not passed yet "
                f"({notice.deadline_at:%Y-%m-%d %H:%M} UTC)"
            )
    return compliance.recheck_due(
        container, now=now, actor=principal.username, notice_ids=[notice_id], progress=progress
    )


@dataclass(frozen=True, slots=True)
class CounterGrounds:
    claimant: str
    statement: str
    contact: str | None = None


def answer_item(
    session: Session,
    settings: EnforcementSettings,
    principal: Principal,
    notice_id: int,
    item_id: int,
    answer: str,
    *,
    grounds: CounterGrounds | None = None,
    now: datetime,
) -> models.NoticeItem:
    """The platform answers one item of a notice sent to it."""
    notice = open_notice(session, principal, notice_id, "notices.answer")
    item: models.NoticeItem = one_visible(
        session, principal, "notices.answer", "notice_item", item_id
    )
    if item.notice_id != notice.id:
        raise NotVisible(f"no item {item_id} in notice {notice_id}")
    if notice.sent_at is None:
        raise AnswerRefusedError(f"notice {notice_id} has not been sent")
    if item.status not in ANSWERABLE or (item.check_detail or "").startswith(PLATFORM_REMOVED):
        raise AnswerRefusedError(f"item {item_id} is {item.status.value}: it was answered already")
    if answer == "removed":
        item.check_detail = (
            f"{PLATFORM_REMOVED} ({principal.username}, {now:%Y-%m-%d %H:%M} UTC); "
            "verified at the re-check"
        )
        audit.record(
            session,
            principal.username,
            "notice_item.answered",
            "notice_item",
            item.id,
            notice=notice.id,
            answer="removed",
            platform_id=principal.platform_id,
        )
        session.flush()
        return item
    if answer != "counter_notice" or grounds is None:
        raise AnswerRefusedError("the answer is 'removed' or 'counter_notice' with its grounds")
    compliance.add_counter_notice(
        session,
        item.id,
        claimant=grounds.claimant,
        statement=grounds.statement,
        contact=grounds.contact,
        restore_after=timedelta(days=settings.counter_notice_restore_days),
        actor=principal.username,
        now=now,
    )
    return item


def record_counter_notice(
    session: Session,
    settings: EnforcementSettings,
    principal: Principal,
    item_id: int,
    grounds: CounterGrounds,
    *,
    now: datetime,
) -> models.CounterNotice:
    """An officer records a counter-notice received by other means (post, e-mail)."""
    item: models.NoticeItem = one_visible(
        session, principal, "counter_notices.write", "notice_item", item_id
    )
    if item.status not in ANSWERABLE:
        raise AnswerRefusedError(
            f"item {item_id} is {item.status.value}: no counter-notice applies"
        )
    return compliance.add_counter_notice(
        session,
        item.id,
        claimant=grounds.claimant,
        statement=grounds.statement,
        contact=grounds.contact,
        restore_after=timedelta(days=settings.counter_notice_restore_days),
        actor=principal.username,
        now=now,
    )


def contest(
    session: Session, principal: Principal, counter_id: int, *, reason: str
) -> models.CounterNotice:
    """The rights holder (or an officer for it) contests a counter-notice: the item is not
    restored. The platform that filed it cannot contest its own counter-notice."""
    if principal.role is Role.PLATFORM:
        raise Forbidden(
            "a platform files counter-notices; contesting one is the rights holder's",
            action="counter_notices.write",
        )
    counter: models.CounterNotice = one_visible(
        session, principal, "counter_notices.write", "counter_notice", counter_id
    )
    if counter.restored_at is not None:
        raise AnswerRefusedError(f"counter-notice {counter_id} was restored already")
    if counter.contested:
        raise AnswerRefusedError(f"counter-notice {counter_id} is contested already")
    if not reason.strip():
        raise AnswerRefusedError("say why the counter-notice is contested")
    return compliance.contest_counter_notice(
        session, counter.id, actor=principal.username, reason=reason.strip()
    )


def acknowledge_list(
    session: Session, principal: Principal, list_id: int, *, note: str | None, now: datetime
) -> models.PrewarningRecipient:
    """The platform acknowledges a pre-warning list sent to it."""
    visible_list = session.scalars(
        visible(
            select(models.PrewarningList.id).where(models.PrewarningList.id == list_id),
            principal,
            "prewarning.acknowledge",
            "prewarning_list",
        )
    ).first()
    if visible_list is None or principal.platform_id is None:
        raise NotVisible(f"no pre-warning list {list_id} that you may see")
    return prewarning.acknowledge(
        session,
        list_id,
        principal.platform_id,
        acknowledged_by=principal.display_name or principal.username,
        note=note,
        actor=principal.username,
        now=now,
    )


def file_complaint(
    session: Session,
    principal: Principal,
    *,
    url: str,
    work_id: int,
    description: str | None,
    now: datetime,
) -> models.Tip:
    """A rights holder reports a copy of one of its works, stored as a tip for triage."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SwordNetError("the complaint needs the http(s) address of the copy")
    work: models.Work = one_visible(session, principal, "works.read", "work", work_id)
    holder = session.get(models.RightsHolder, principal.holder_id) if principal.holder_id else None
    who = holder.name if holder else principal.username
    contact = (holder.email if holder else None) or principal.username
    tip = models.Tip(
        url=url.strip(),
        work_title=work.title,
        description="\n".join(
            part
            for part in (
                f"complaint by rights holder {who} (holder {principal.holder_id}, "
                f"user {principal.username}); work {work.id}",
                (description or "").strip(),
            )
            if part
        ),
        reporter_contact=contact[:320],
        received_at=now,
    )
    session.add(tip)
    session.flush()
    audit.record(
        session,
        principal.username,
        "tip.received",
        "tip",
        tip.id,
        url=tip.url,
        work=work.id,
        holder=principal.holder_id,
        source="complaint",
    )
    ledger.record(
        session,
        "tip",
        {
            "id": tip.id,
            "url": tip.url,
            "work_id": work.id,
            "holder_id": principal.holder_id,
            "source": "complaint",
            "received_at": now.isoformat(),
            "reporter": principal.username,
        },
    )
    return tip
