"""Pre-warning lists: key works protected during a window, published to platforms as a
notice and a JSON feed; acknowledgements recorded; listed works jump the review queue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from swordnet.domain.enforcement import in_window
from swordnet.domain.errors import NotFoundError, SwordNetError
from swordnet.domain.kinds import PlatformStatus
from swordnet.plugins.notifiers import Notifier, OutgoingNotice
from swordnet.services import audit
from swordnet.services.enforcement.rendering import notice_recipients, render, sha256_text
from swordnet.services.enforcement.vocabulary import WORK_KINDS, term
from swordnet.storage import models

_SUBJECTS = {"zh": "重点作品预警名单：{title}", "en": "Pre-warning list: {title}"}


class ProtectionWindows:
    """When each listed work is protected: a detection made inside a window is pre-warned."""

    def __init__(self, windows: dict[int, list[tuple[datetime, datetime]]]) -> None:
        self.windows = windows

    @classmethod
    def load(cls, session: Session) -> ProtectionWindows:
        windows: dict[int, list[tuple[datetime, datetime]]] = {}
        for work_id, starts_at, ends_at in session.execute(
            select(
                models.PrewarningEntry.work_id,
                models.PrewarningList.starts_at,
                models.PrewarningList.ends_at,
            ).join(models.PrewarningList)
        ):
            windows.setdefault(work_id, []).append((starts_at, ends_at))
        return cls(windows)

    def covers(self, work_id: int, moment: datetime) -> bool:
        return any(in_window(moment, start, end) for start, end in self.windows.get(work_id, ()))

    def protected_at(self, moment: datetime) -> set[int]:
        """The works inside a protection window at ``moment``."""
        return {work_id for work_id in self.windows if self.covers(work_id, moment)}


def feed_document(prewarning: models.PrewarningList) -> dict[str, Any]:
    """The machine-readable list platforms load into their own filters."""
    return {
        "format": "swordnet-prewarning/1",
        "list_id": prewarning.id,
        "title": prewarning.title,
        "protection_window": {
            "starts_at": prewarning.starts_at.isoformat(),
            "ends_at": prewarning.ends_at.isoformat(),
        },
        "published_at": prewarning.published_at.isoformat(),
        "works": [
            {
                "work_id": entry.work.id,
                "title": entry.work.title,
                "aliases": list(entry.work.aliases or []),
                "kind": str(entry.work.kind.value),
                "rights_holder": entry.work.holder.name if entry.work.holder else None,
            }
            for entry in sorted(prewarning.entries, key=lambda e: e.work_id)
        ],
    }


def publish_list(
    session: Session,
    *,
    title: str,
    work_ids: Sequence[int],
    platform_ids: Sequence[int],
    starts_at: datetime,
    ends_at: datetime,
    feed_dir: Path,
    actor: str,
    now: datetime,
) -> models.PrewarningList:
    """Store the list and write the JSON feed file.

    Its works are protected for the list's window only (``ProtectionWindows``): they are
    not marked key works, which is the operator's own, lasting choice.
    """
    if ends_at <= starts_at:
        raise SwordNetError("the protection window must end after it starts")
    works = session.scalars(select(models.Work).where(models.Work.id.in_(work_ids))).all()
    missing = set(work_ids) - {w.id for w in works}
    if missing:
        raise NotFoundError(f"no work with id {', '.join(map(str, sorted(missing)))}")
    named = session.scalars(
        select(models.Platform).where(models.Platform.id.in_(platform_ids))
    ).all()
    if len(named) != len(set(platform_ids)):
        raise NotFoundError("some platform ids do not exist")
    # every platform under key supervision receives every list, named or not
    supervised = session.scalars(
        select(models.Platform).where(
            models.Platform.key_supervision.is_(True),
            models.Platform.status != PlatformStatus.SHUT_DOWN,
        )
    ).all()
    platforms = list({p.id: p for p in [*named, *supervised]}.values())
    prewarning = models.PrewarningList(
        title=title, starts_at=starts_at, ends_at=ends_at, published_by=actor, published_at=now
    )
    prewarning.entries = [models.PrewarningEntry(work=w) for w in works]
    prewarning.recipients = [models.PrewarningRecipient(platform=p) for p in platforms]
    session.add(prewarning)
    session.flush()
    feed_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(feed_document(prewarning), ensure_ascii=False, indent=2)
    path = feed_dir / f"prewarning-{prewarning.id}.json"
    path.write_text(text, encoding="utf-8")
    prewarning.feed_path = str(path)
    prewarning.feed_sha256 = sha256_text(text)
    audit.record(
        session,
        actor,
        "prewarning.published",
        "prewarning_list",
        prewarning.id,
        works=sorted(w.id for w in works),
        platforms=sorted(p.id for p in platforms),
        window=[starts_at.isoformat(), ends_at.isoformat()],
        feed_sha256=prewarning.feed_sha256,
    )
    return prewarning


def deliver_list(
    session: Session,
    prewarning: models.PrewarningList,
    notifier: Notifier,
    *,
    sender: str,
    language: str,
    actor: str,
    now: datetime,
) -> int:
    """Send the list to every recipient not yet served; returns how many were sent."""
    feed = Path(prewarning.feed_path or "")
    feed_bytes = feed.read_bytes() if feed.is_file() else b""
    works = feed_document(prewarning)["works"]
    sent = 0
    for recipient in prewarning.recipients:
        if recipient.sent_at is not None:
            continue
        platform = recipient.platform
        text = render(
            f"notices/prewarning.{language}.txt.j2",
            platform={"name": platform.name, "domain": platform.domain},
            title=prewarning.title,
            list_id=prewarning.id,
            starts_at=prewarning.starts_at.strftime("%Y-%m-%d %H:%M UTC"),
            ends_at=prewarning.ends_at.strftime("%Y-%m-%d %H:%M UTC"),
            feed_name=feed.name,
            works=[
                {
                    "title": w["title"],
                    "kind": term(WORK_KINDS, w["kind"], language),
                    "holder": w["rights_holder"],
                }
                for w in works
            ],
            sender=sender,
        )
        addresses = notice_recipients(platform)
        receipt = notifier.send(
            OutgoingNotice(
                key=f"prewarning-{prewarning.id}-{platform.id}",
                recipient=addresses[0],
                copies=tuple(addresses[1:]),
                subject=_SUBJECTS[language].format(title=prewarning.title),
                text=text,
                attachments={feed.name: feed_bytes} if feed_bytes else {},
                data={"kind": "prewarning", "feed": json.loads(feed_bytes or b"{}")},
            )
        )
        recipient.sent_at = now
        recipient.delivery_ref = receipt.reference
        audit.record(
            session,
            actor,
            "prewarning.sent",
            "prewarning_list",
            prewarning.id,
            platform_id=platform.id,
            reference=receipt.reference,
        )
        sent += 1
    session.flush()
    return sent


def acknowledge(
    session: Session,
    list_id: int,
    platform_id: int,
    *,
    acknowledged_by: str,
    note: str | None,
    actor: str,
    now: datetime,
) -> models.PrewarningRecipient:
    recipient = session.scalars(
        select(models.PrewarningRecipient).where(
            models.PrewarningRecipient.list_id == list_id,
            models.PrewarningRecipient.platform_id == platform_id,
        )
    ).first()
    if recipient is None:
        raise NotFoundError(f"list {list_id} was not published to platform {platform_id}")
    recipient.acknowledged_at = now
    recipient.acknowledged_by = acknowledged_by
    recipient.note = note
    audit.record(
        session,
        actor,
        "prewarning.acknowledged",
        "prewarning_list",
        list_id,
        platform_id=platform_id,
        acknowledged_by=acknowledged_by,
    )
    session.flush()
    return recipient


@dataclass(frozen=True, slots=True)
class PublishedPrewarning:
    id: int
    feed_path: str
    sent: int  # platforms the list was sent to


def publish_and_send(
    sessions: sessionmaker[Session],
    notifier: Notifier | None,
    *,
    title: str,
    work_ids: Sequence[int],
    platform_ids: Sequence[int],
    starts_at: datetime,
    ends_at: datetime,
    feed_dir: Path,
    sender: str,
    language: str,
    actor: str,
    now: datetime,
) -> PublishedPrewarning:
    """``publish_list``, then ``deliver_list`` through ``notifier`` (None: publish only),
    in one transaction: a list that could not be sent is not kept as published."""
    with sessions() as session, session.begin():
        published = publish_list(
            session,
            title=title,
            work_ids=work_ids,
            platform_ids=platform_ids,
            starts_at=starts_at,
            ends_at=ends_at,
            feed_dir=feed_dir,
            actor=actor,
            now=now,
        )
        sent = 0
        if notifier is not None:
            sent = deliver_list(
                session, published, notifier, sender=sender, language=language, actor=actor, now=now
            )
        return PublishedPrewarning(published.id, published.feed_path or "", sent)


def list_lists(session: Session) -> list[models.PrewarningList]:
    return list(
        session.scalars(
            select(models.PrewarningList)
            .options(
                selectinload(models.PrewarningList.entries),
                selectinload(models.PrewarningList.recipients),
            )
            .order_by(models.PrewarningList.id)
        )
    )
