"""After the deadline: re-fetch each noticed URL, judge it, record whether the platform
complied. Counter-notices put an item aside and restore it after their own deadline."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import lxml.html  # type: ignore[import-untyped]
from lxml.etree import ParserError  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from swordnet.domain.enforcement import ItemCheck, ItemVerdict, judge_item, notice_verdict
from swordnet.domain.errors import NotFoundError, SwordNetError
from swordnet.domain.kinds import NoticeItemStatus, NoticeStatus
from swordnet.plugins.fetchers import FetchResult
from swordnet.services import audit, ledger
from swordnet.services.context import AppContext
from swordnet.services.detection_pipeline import examine_urls
from swordnet.services.ledger import evidence
from swordnet.storage import models

_JUDGED = {NoticeItemStatus.PENDING}


@dataclass
class ComplianceSummary:
    notices_checked: int = 0
    items_checked: int = 0
    items_removed: int = 0
    items_still_there: int = 0
    items_changed: int = 0
    items_unverified: int = 0
    items_restored: int = 0
    verdicts: dict[str, str] = field(default_factory=dict)  # notice key -> status


def _page_text(result: FetchResult) -> str:
    """Visible text, decoded by the declared charset (GBK and GB2312 read as GB18030)."""
    content_type = result.headers.get("content-type", "")
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"') or charset
    if charset.lower() in ("gbk", "gb2312"):
        charset = "gb18030"
    try:
        text = result.body.decode(charset, "replace")
    except LookupError:
        text = result.body.decode("utf-8", "replace")
    try:
        return str(lxml.html.fromstring(text).text_content()).strip()
    except (ParserError, ValueError):
        return text


def check_item(item: models.NoticeItem, result: FetchResult, still_copied: set[int]) -> ItemCheck:
    """What the re-fetch shows for one item; ``still_copied``: works the content matches."""
    detection = item.detection
    if result.error is not None:
        return ItemCheck(status=None, error=result.error)
    ok = 200 <= result.status < 300
    return ItemCheck(
        status=result.status,
        page_text=_page_text(result) if ok else "",
        still_matches=ok and detection.work_id in still_copied,
        body_sha256=hashlib.sha256(result.body).hexdigest(),
        captured_sha256=detection.capture.sha256 if detection.capture else None,
    )


def restore_due_counter_notices(session: Session, *, actor: str, now: datetime) -> int:
    due = session.scalars(
        select(models.CounterNotice)
        .where(
            models.CounterNotice.restore_at <= now,
            models.CounterNotice.restored_at.is_(None),
            models.CounterNotice.contested.is_(False),
        )
        .options(selectinload(models.CounterNotice.item))
    ).all()
    for counter in due:
        counter.restored_at = now
        counter.item.status = NoticeItemStatus.RESTORED
        counter.item.check_detail = f"restored after counter-notice {counter.id}"
        audit.record(
            session,
            actor,
            "notice_item.restored",
            "notice_item",
            counter.item_id,
            counter_notice=counter.id,
        )
    return len(due)


def _due_notices(
    session: Session, now: datetime, notice_ids: Collection[int] | None = None
) -> list[models.Notice]:
    query = select(models.Notice).where(
        models.Notice.status == NoticeStatus.SENT, models.Notice.deadline_at <= now
    )
    if notice_ids is not None:
        query = query.where(models.Notice.id.in_(notice_ids))
    return list(
        session.scalars(
            query.options(
                selectinload(models.Notice.items)
                .selectinload(models.NoticeItem.detection)
                .selectinload(models.Detection.capture)
            ).order_by(models.Notice.id)
        )
    )


def recheck_due(
    container: AppContext,
    *,
    now: datetime,
    actor: str = "system",
    url_filter: Callable[[str], bool] | None = None,
    notice_ids: Collection[int] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ComplianceSummary:
    """Re-check the items of every sent notice whose deadline has passed, and judge it.

    An item the site could not be reached for stays pending and its notice stays sent, to be
    checked again on the next run: only verified removals count as removed. Fetching happens
    outside any transaction, so the crawler is not blocked meanwhile. ``url_filter`` limits
    which URLs are fetched (the demo keeps to loopback); the others stay pending.
    ``notice_ids`` limits the re-check to those notices (an officer's "re-check now"); the
    deadline still applies. ``progress(stage, count)`` hears "fetching" with the number of
    URLs, then "judging" and "done" with the number of notices."""
    summary = ComplianceSummary()
    report = progress or (lambda _stage, _count: None)
    with container.sessions() as session, session.begin():
        summary.items_restored = restore_due_counter_notices(session, actor=actor, now=now)
    with container.sessions() as session:
        notices = _due_notices(session, now, notice_ids)
        urls = sorted(
            {
                i.url
                for n in notices
                for i in n.items
                if i.status in _JUDGED and (url_filter is None or url_filter(i.url))
            }
        )
    report("fetching", len(urls))
    # the same pipeline as the crawl and ``scan``: a link counts as deleted only when what
    # is there now no longer matches by the rules that found it
    examined = {
        url: found[0]
        for url, found in (
            examine_urls(container, urls, follow_media=False) if urls else {}
        ).items()
    }
    results = {url: e.response for url, e in examined.items() if e.response is not None}
    report("judging", len(notices))
    with container.sessions() as session, session.begin():
        still_copied: dict[str, set[int]] = {}
        for notice in _due_notices(session, now, notice_ids):
            summary.notices_checked += 1
            for item in notice.items:
                if item.status not in _JUDGED:
                    continue
                if item.url not in results:  # left out by the filter: not verified
                    summary.items_unverified += 1
                    continue
                result = results[item.url]
                if item.url not in still_copied:
                    still_copied[item.url] = {m.work_id for m in examined[item.url].matches}
                verdict = judge_item(check_item(item, result, still_copied[item.url]))
                _record_item(session, item, verdict, summary, actor=actor, now=now)
            notice.checked_at = now
            if any(i.status is NoticeItemStatus.PENDING for i in notice.items):
                continue
            notice.status = notice_verdict(i.status for i in notice.items)
            summary.verdicts[notice.key] = notice.status.value
            audit.record(
                session,
                actor,
                f"notice.{notice.status.value}",
                "notice",
                notice.id,
                key=notice.key,
                items={i.url: i.status.value for i in notice.items},
            )
    report("done", summary.notices_checked)
    return summary


_COUNTERS = {
    NoticeItemStatus.REMOVED: "items_removed",
    NoticeItemStatus.STILL_THERE: "items_still_there",
    NoticeItemStatus.CHANGED: "items_changed",
    NoticeItemStatus.PENDING: "items_unverified",
}


def _record_item(
    session: Session,
    item: models.NoticeItem,
    verdict: ItemVerdict,
    summary: ComplianceSummary,
    *,
    actor: str,
    now: datetime,
) -> None:
    summary.items_checked += 1
    field_name = _COUNTERS[verdict.status]
    setattr(summary, field_name, getattr(summary, field_name) + 1)
    item.status = verdict.status
    item.check_detail = verdict.detail
    item.checked_at = now
    audit.record(
        session,
        actor,
        "notice_item.checked",
        "notice_item",
        item.id,
        url=item.url,
        status=verdict.status.value,
        detail=verdict.detail,
    )
    ledger.record(session, evidence.RECHECK, evidence.recheck_record(item, verdict))


def add_counter_notice(
    session: Session,
    item_id: int,
    *,
    claimant: str,
    statement: str,
    contact: str | None,
    restore_after: timedelta,
    actor: str,
    now: datetime,
) -> models.CounterNotice:
    """Record a counter-notice: the item is set aside and restored at ``now + restore_after``
    unless the rights holder contests it in time."""
    item = session.get(models.NoticeItem, item_id)
    if item is None:
        raise NotFoundError(f"no notice item with id {item_id}")
    if not statement.strip() or not claimant.strip():
        raise SwordNetError("a counter-notice needs the claimant and their statement")
    counter = models.CounterNotice(
        item_id=item.id,
        claimant=claimant,
        contact=contact,
        statement=statement,
        received_at=now,
        restore_at=now + restore_after,
        recorded_by=actor,
    )
    item.status = NoticeItemStatus.COUNTER_NOTICED
    item.counter_notice = {
        "claimant": claimant,
        "received_at": now.isoformat(),
        "restore_at": counter.restore_at.isoformat(),
    }
    session.add(counter)
    session.flush()
    audit.record(
        session,
        actor,
        "notice_item.counter_noticed",
        "notice_item",
        item.id,
        counter_notice=counter.id,
        claimant=claimant,
        restore_at=counter.restore_at.isoformat(),
    )
    return counter


def contest_counter_notice(
    session: Session, counter_id: int, *, actor: str, reason: str
) -> models.CounterNotice:
    """The rights holder went to court: the item is not restored."""
    counter = session.get(models.CounterNotice, counter_id)
    if counter is None:
        raise NotFoundError(f"no counter-notice with id {counter_id}")
    counter.contested = True
    audit.record(
        session, actor, "counter_notice.contested", "counter_notice", counter.id, reason=reason
    )
    return counter
