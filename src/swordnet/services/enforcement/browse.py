"""What the web app and the API show of enforcement, as the caller may see it.

Every listing is one query scoped by ``services.access.visible`` (never fetched and filtered
afterwards), with what a row shows joined in, so a page costs a constant number of queries
whatever its length. A platform sees only the notices that were sent to it: a rendered
notice not sent yet is still the officer's draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from swordnet.domain.kinds import DetectionStatus, NoticeStatus, Role
from swordnet.services.access import NotVisible, Principal, one_visible, visible
from swordnet.storage import models


def rows_of(stmt: Any) -> Select[Any]:
    """A select of several columns, typed as ``services.access.visible`` takes it."""
    return cast("Select[Any]", stmt)


@dataclass(frozen=True, slots=True)
class NoticeRow:
    id: int
    key: str
    status: NoticeStatus
    channel: str
    language: str
    jurisdiction: str
    recipient: str
    subject: str | None
    platform_id: int | None
    platform_name: str | None
    holder_id: int | None
    holder_name: str | None
    items: int
    created_at: datetime
    sent_at: datetime | None
    deadline_at: datetime | None
    checked_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return (
            self.status is NoticeStatus.SENT
            and self.deadline_at is not None
            and self.deadline_at <= now
        )


@dataclass(frozen=True, slots=True)
class NoticeFilter:
    status: NoticeStatus | None = None
    platform_id: int | None = None
    overdue: bool = False
    since: datetime | None = None  # created (drafted) at or after


def _sent_only(stmt: Select[Any], principal: Principal) -> Select[Any]:
    """A platform sees a notice once it was sent to it."""
    if principal.role is Role.PLATFORM:
        return stmt.where(models.Notice.sent_at.is_not(None))
    return stmt


def notices_query(
    principal: Principal, filters: NoticeFilter, *, now: datetime, action: str = "notices.read"
) -> Select[Any]:
    """The notices ``principal`` may see, with their platform, holder and item count."""
    items = (
        select(func.count(models.NoticeItem.id))
        .where(models.NoticeItem.notice_id == models.Notice.id)
        .correlate(models.Notice)
        .scalar_subquery()
    )
    stmt = (
        select(models.Notice, models.Platform.name, models.RightsHolder.name, items)
        .outerjoin(models.Platform, models.Platform.id == models.Notice.platform_id)
        .outerjoin(models.RightsHolder, models.RightsHolder.id == models.Notice.holder_id)
    )
    stmt = _sent_only(visible(stmt, principal, action, "notice"), principal)
    if filters.status is not None:
        stmt = stmt.where(models.Notice.status == filters.status)
    if filters.platform_id is not None:
        stmt = stmt.where(models.Notice.platform_id == filters.platform_id)
    if filters.overdue:
        stmt = stmt.where(
            models.Notice.status == NoticeStatus.SENT, models.Notice.deadline_at <= now
        )
    if filters.since is not None:
        stmt = stmt.where(models.Notice.created_at >= filters.since)
    return stmt


def notice_row(row: Any) -> NoticeRow:
    notice, platform_name, holder_name, items = row
    return NoticeRow(
        id=notice.id,
        key=notice.key,
        status=notice.status,
        channel=notice.channel,
        language=notice.language,
        jurisdiction=notice.jurisdiction,
        recipient=notice.recipient,
        subject=notice.subject,
        platform_id=notice.platform_id,
        platform_name=platform_name,
        holder_id=notice.holder_id,
        holder_name=holder_name,
        items=int(items or 0),
        created_at=notice.created_at,
        sent_at=notice.sent_at,
        deadline_at=notice.deadline_at,
        checked_at=notice.checked_at,
    )


def list_notices(
    session: Session,
    principal: Principal,
    filters: NoticeFilter,
    *,
    now: datetime,
    after: int | None = None,
    limit: int = 50,
) -> tuple[list[NoticeRow], int | None]:
    """One page of notices, newest first, and the id to continue after (None: the last)."""
    stmt = notices_query(principal, filters, now=now)
    if after is not None:
        stmt = stmt.where(models.Notice.id < after)
    rows = session.execute(stmt.order_by(models.Notice.id.desc()).limit(limit + 1)).all()
    page = [notice_row(r) for r in rows[:limit]]
    return page, (page[-1].id if len(rows) > limit else None)


# How a platform's "removed" answer is kept until the re-check (no column holds it yet).
PLATFORM_REMOVED = "the platform reports it removed"


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    notice_id: int
    detection_id: int
    url: str
    status: str
    work_id: int
    work_title: str
    checked_at: datetime | None
    check_detail: str | None
    counter_notice_id: int | None

    @property
    def reported_removed(self) -> bool:
        return (self.check_detail or "").startswith(PLATFORM_REMOVED)


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    attempt: int
    channel: str
    outcome: str
    reference: str | None
    error: str | None
    actor: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class NoticeDetail:
    notice: NoticeRow
    body_text: str
    body_sha256: str | None
    items: list[ItemRow]
    deliveries: list[DeliveryRow]


def open_notice(
    session: Session, principal: Principal, notice_id: int, action: str = "notices.read"
) -> models.Notice:
    """The notice if ``action`` reaches it (a platform: once sent); ``NotVisible`` otherwise."""
    notice: models.Notice = one_visible(session, principal, action, "notice", notice_id)
    if principal.role is Role.PLATFORM and notice.sent_at is None:
        raise NotVisible(f"no notice {notice_id} that you may see")
    return notice


def notice_items(session: Session, notice_ids: Sequence[int]) -> dict[int, list[ItemRow]]:
    """The items of these notices (already opened through the policy), by notice."""
    if not notice_ids:
        return {}
    rows = session.execute(
        select(models.NoticeItem, models.Work.id, models.Work.title, models.CounterNotice.id)
        .join(models.Detection, models.Detection.id == models.NoticeItem.detection_id)
        .join(models.Work, models.Work.id == models.Detection.work_id)
        .outerjoin(models.CounterNotice, models.CounterNotice.item_id == models.NoticeItem.id)
        .where(models.NoticeItem.notice_id.in_(notice_ids))
        .order_by(models.NoticeItem.id)
    ).all()
    found: dict[int, list[ItemRow]] = {n: [] for n in notice_ids}
    for item, work_id, title, counter_id in rows:
        found[item.notice_id].append(
            ItemRow(
                id=item.id,
                notice_id=item.notice_id,
                detection_id=item.detection_id,
                url=item.url,
                status=item.status.value,
                work_id=work_id,
                work_title=title,
                checked_at=item.checked_at,
                check_detail=item.check_detail,
                counter_notice_id=counter_id,
            )
        )
    return found


def notice_detail(session: Session, principal: Principal, notice_id: int) -> NoticeDetail:
    notice = open_notice(session, principal, notice_id)
    row = session.execute(
        notices_query(principal, NoticeFilter(), now=notice.created_at).where(
            models.Notice.id == notice.id
        )
    ).one()
    deliveries = session.scalars(
        select(models.NoticeDelivery)
        .where(models.NoticeDelivery.notice_id == notice.id)
        .order_by(models.NoticeDelivery.attempt)
    ).all()
    return NoticeDetail(
        notice=notice_row(row),
        body_text=notice.body_text or "",
        body_sha256=notice.body_sha256,
        items=notice_items(session, [notice.id])[notice.id],
        deliveries=[
            DeliveryRow(
                d.attempt,
                d.channel,
                d.outcome,
                d.reference,
                d.error,
                d.actor,
                d.started_at,
                d.finished_at,
            )
            for d in deliveries
        ],
    )


@dataclass(frozen=True, slots=True)
class DraftableGroup:
    platform_id: int | None
    platform_name: str | None
    detections: int


def draftable(session: Session, principal: Principal) -> tuple[list[int], list[DraftableGroup]]:
    """The confirmed detections in no notice yet that ``principal`` may notice, and how
    they group per platform."""
    noticed = select(models.NoticeItem.detection_id)
    stmt = visible(
        rows_of(select(models.Detection.id, models.Detection.platform_id, models.Platform.name))
        .outerjoin(models.Platform, models.Platform.id == models.Detection.platform_id)
        .where(
            models.Detection.status == DetectionStatus.CONFIRMED,
            models.Detection.id.not_in(noticed),
        ),
        principal,
        "notices.write",
        "detection",
    )
    ids: list[int] = []
    groups: dict[int | None, DraftableGroup] = {}
    for detection_id, platform_id, name in session.execute(stmt.order_by(models.Detection.id)):
        ids.append(detection_id)
        known = groups.get(platform_id)
        groups[platform_id] = DraftableGroup(
            platform_id, name, (known.detections if known else 0) + 1
        )
    return ids, list(groups.values())


@dataclass(frozen=True, slots=True)
class DraftableSummary:
    """How many confirmed detections wait for a notice, on how many platforms, and the
    platforms with the most of them (biggest first)."""

    detections: int
    platforms: int
    groups: list[DraftableGroup]


def draftable_summary(session: Session, principal: Principal, *, top: int = 20) -> DraftableSummary:
    """What ``draftable`` would find, counted in the database (one query): the page shows
    the ``top`` platforms, not one line for each of tens of thousands."""
    noticed = select(models.NoticeItem.detection_id)
    per_platform = visible(
        rows_of(select(models.Detection.platform_id, func.count().label("waiting")))
        .where(
            models.Detection.status == DetectionStatus.CONFIRMED,
            models.Detection.id.not_in(noticed),
        )
        .group_by(models.Detection.platform_id),
        principal,
        "notices.write",
        "detection",
    ).subquery()
    stmt = (
        select(
            per_platform.c.platform_id,
            models.Platform.name,
            per_platform.c.waiting,
            func.sum(per_platform.c.waiting).over(),
            func.count().over(),
        )
        .outerjoin(models.Platform, models.Platform.id == per_platform.c.platform_id)
        .order_by(per_platform.c.waiting.desc(), per_platform.c.platform_id)
        .limit(top)
    )
    rows = session.execute(stmt).all()
    if not rows:
        return DraftableSummary(0, 0, [])
    return DraftableSummary(
        detections=int(rows[0][3]),
        platforms=int(rows[0][4]),
        groups=[DraftableGroup(pid, name, int(waiting)) for pid, name, waiting, _, _ in rows],
    )


def platform_choices(
    session: Session, principal: Principal, *, limit: int = 200
) -> list[tuple[int, str]]:
    """The platforms the caller's notices are addressed to, for the list's filter: the
    ``limit`` with the most notices, by name (a national list names thousands)."""
    counted = _sent_only(
        visible(
            rows_of(select(models.Notice.platform_id, func.count().label("notices")))
            .where(models.Notice.platform_id.is_not(None))
            .group_by(models.Notice.platform_id),
            principal,
            "notices.read",
            "notice",
        ),
        principal,
    )
    busiest = counted.order_by(func.count().desc(), models.Notice.platform_id).limit(limit)
    chosen = busiest.subquery()
    stmt = select(models.Platform.id, models.Platform.name).join(
        chosen, chosen.c.platform_id == models.Platform.id
    )
    return [(pid, name) for pid, name in session.execute(stmt.order_by(models.Platform.name))]


# --- counter-notices ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CounterRow:
    id: int
    item_id: int
    notice_id: int
    url: str
    claimant: str
    contact: str | None
    statement: str
    received_at: datetime
    restore_at: datetime
    contested: bool
    restored_at: datetime | None
    recorded_by: str


def counter_notices_query(principal: Principal) -> Select[Any]:
    stmt = rows_of(
        select(models.CounterNotice, models.NoticeItem.notice_id, models.NoticeItem.url)
    ).join(models.NoticeItem, models.NoticeItem.id == models.CounterNotice.item_id)
    return visible(stmt, principal, "counter_notices.read", "counter_notice")


def counter_row(row: Any) -> CounterRow:
    counter, notice_id, url = row
    return CounterRow(
        counter.id,
        counter.item_id,
        notice_id,
        url,
        counter.claimant,
        counter.contact,
        counter.statement,
        counter.received_at,
        counter.restore_at,
        counter.contested,
        counter.restored_at,
        counter.recorded_by,
    )


def list_counter_notices(
    session: Session, principal: Principal, *, after: int | None = None, limit: int = 50
) -> tuple[list[CounterRow], int | None]:
    stmt = counter_notices_query(principal)
    if after is not None:
        stmt = stmt.where(models.CounterNotice.id < after)
    rows = session.execute(stmt.order_by(models.CounterNotice.id.desc()).limit(limit + 1)).all()
    page = [counter_row(r) for r in rows[:limit]]
    return page, (page[-1].id if len(rows) > limit else None)


# --- pre-warning lists ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecipientRow:
    platform_id: int
    platform_name: str
    sent_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class PrewarningRow:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    published_by: str
    published_at: datetime
    works: list[tuple[int, str]]
    recipients: list[RecipientRow]


def prewarning_query(principal: Principal) -> Select[Any]:
    return visible(select(models.PrewarningList), principal, "prewarning.read", "prewarning_list")


def prewarning_rows(
    lists: Sequence[models.PrewarningList], principal: Principal
) -> list[PrewarningRow]:
    """Rows of lists loaded with ``prewarning_options``; a platform sees only its own
    acknowledgement, not the other platforms the list went to."""
    rows = []
    for item in lists:
        recipients = [
            RecipientRow(
                r.platform_id,
                r.platform.name,
                r.sent_at,
                r.acknowledged_at,
                r.acknowledged_by,
                r.note,
            )
            for r in item.recipients
            if principal.role is not Role.PLATFORM or r.platform_id == principal.platform_id
        ]
        rows.append(
            PrewarningRow(
                item.id,
                item.title,
                item.starts_at,
                item.ends_at,
                item.published_by,
                item.published_at,
                sorted((e.work_id, e.work.title) for e in item.entries),
                recipients,
            )
        )
    return rows


def prewarning_options() -> list[Any]:
    return [
        selectinload(models.PrewarningList.entries).selectinload(models.PrewarningEntry.work),
        selectinload(models.PrewarningList.recipients).selectinload(
            models.PrewarningRecipient.platform
        ),
    ]


def list_prewarning(
    session: Session, principal: Principal, *, after: int | None = None, limit: int = 50
) -> tuple[list[PrewarningRow], int | None]:
    stmt = prewarning_query(principal).options(*prewarning_options())
    if after is not None:
        stmt = stmt.where(models.PrewarningList.id < after)
    found = session.scalars(stmt.order_by(models.PrewarningList.id.desc()).limit(limit + 1)).all()
    page = prewarning_rows(found[:limit], principal)
    return page, (page[-1].id if len(found) > limit else None)


def get_prewarning(session: Session, principal: Principal, list_id: int) -> PrewarningRow:
    found = session.scalars(
        prewarning_query(principal)
        .where(models.PrewarningList.id == list_id)
        .options(*prewarning_options())
    ).first()
    if found is None:
        raise NotVisible(f"no pre-warning list {list_id} that you may see")
    return prewarning_rows([found], principal)[0]


# --- cases ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    title: str
    status: str
    platform_name: str | None
    region_code: str | None
    opened_at: datetime
    closed_at: datetime | None
    shutdown_requested: bool
    criminal_referral: bool
    detections: int
    notes: str | None


def cases_query(principal: Principal) -> Select[Any]:
    held = (
        select(func.count())
        .select_from(models.case_detection)
        .where(models.case_detection.c.case_id == models.Case.id)
        .correlate(models.Case)
        .scalar_subquery()
    )
    stmt = select(models.Case, models.Platform.name, held).outerjoin(
        models.Platform, models.Platform.id == models.Case.platform_id
    )
    return visible(stmt, principal, "cases.read", "case")


def case_row(row: Any) -> CaseRow:
    case, platform_name, held = row
    return CaseRow(
        case.id,
        case.title,
        case.status.value,
        platform_name,
        case.region_code,
        case.opened_at,
        case.closed_at,
        case.shutdown_requested,
        case.criminal_referral,
        int(held or 0),
        case.notes,
    )


def list_cases(
    session: Session, principal: Principal, *, after: int | None = None, limit: int = 50
) -> tuple[list[CaseRow], int | None]:
    stmt = cases_query(principal)
    if after is not None:
        stmt = stmt.where(models.Case.id < after)
    rows = session.execute(stmt.order_by(models.Case.id.desc()).limit(limit + 1)).all()
    page = [case_row(r) for r in rows[:limit]]
    return page, (page[-1].id if len(rows) > limit else None)


def get_case(session: Session, principal: Principal, case_id: int) -> CaseRow:
    row = session.execute(cases_query(principal).where(models.Case.id == case_id)).first()
    if row is None:
        raise NotVisible(f"no case {case_id} that you may see")
    return case_row(row)


# --- the rights holder's view ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HolderOverview:
    detections_by_status: dict[str, int]
    works: list[tuple[int, str]]


def holder_overview(session: Session, principal: Principal) -> HolderOverview:
    by_status = visible(
        rows_of(select(models.Detection.status, func.count())).group_by(models.Detection.status),
        principal,
        "detections.read",
        "detection",
    )
    works = visible(
        rows_of(select(models.Work.id, models.Work.title)), principal, "works.read", "work"
    ).order_by(models.Work.title)
    return HolderOverview(
        {status.value: count for status, count in session.execute(by_status)},
        [(wid, title) for wid, title in session.execute(works)],
    )
