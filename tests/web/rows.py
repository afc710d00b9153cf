"""One row of every kind the access policy knows (``services.access.ROW_MODELS``) on each
side of a campaign: ``gd`` rows belong to Guangdong (Shenzhen), to the rights holder
``star``, to the platform ``videosite``, and are referred to the Guangdong police; ``zj``
rows belong to Zhejiang, to another rights holder, to ``booksite``, and are referred to
the Zhejiang bureau. Every scoped person of the campaign except ``zhejiang`` reaches the
``gd`` rows and none of the ``zj`` rows (``admin`` and ``national`` reach both)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.kinds import (
    CaptureOutcome,
    CaseStatus,
    DetectionStatus,
    NoticeItemStatus,
    NoticeStatus,
    WorkKind,
)
from swordnet.services import audit
from swordnet.storage import models

GUANGDONG, SHENZHEN, ZHEJIANG = "440000", "440300", "330000"
SIDES = ("gd", "zj")

# kind -> side -> id (or code, for regions)
Rows = dict[str, dict[str, Any]]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_rows(
    sessions: sessionmaker[Session],
    *,
    holders: dict[str, int],
    platforms: dict[str, int],
    agencies: dict[str, int],
    users: dict[str, int],
    referred: dict[str, int],
) -> Rows:
    """One row of each kind per side. ``holders``, ``platforms``, ``agencies``, ``users``:
    the side's party (``{"gd": id, "zj": id}``); ``referred``: the agency each side's case
    is referred to."""
    rows: Rows = {}
    now = models.utcnow()
    region = {"gd": SHENZHEN, "zj": ZHEJIANG}
    with sessions() as session, session.begin():
        for side in SIDES:

            def put(kind: str, row: Any, side: str = side) -> Any:
                session.add(row)
                session.flush()
                rows.setdefault(kind, {})[side] = row.id
                return row

            work = put(
                "work",
                models.Work(title=f"{side} work", kind=WorkKind.BOOK, holder_id=holders[side]),
            )
            reference = put(
                "reference",
                models.ReferenceFile(
                    work_id=work.id,
                    path=f"/refs/{side}.txt",
                    modality="text",
                    sha256=_sha(side),
                    size_bytes=10,
                ),
            )
            put("license", models.License(work_id=work.id, licensee=f"{side} licensee"))
            put("whitelist", models.WhiteListEntry(domain=f"{side}-reprints.example"))
            target = put(
                "target",
                models.MonitoringTarget(
                    name=f"{side} target",
                    platform_id=platforms[side],
                    seeds=[f"https://{side}.example/"],
                    region_code=region[side],
                ),
            )
            run = put("run", models.CrawlRun(target_id=target.id, status="finished"))
            url = f"https://{side}.example/copy.html"
            capture = put(
                "capture",
                models.Capture(
                    run_id=run.id,
                    platform_id=platforms[side],
                    url=url,
                    host=f"{side}.example",
                    outcome=CaptureOutcome.OK,
                    status_code=200,
                ),
            )
            detection = put(
                "detection",
                models.Detection(
                    work_id=work.id,
                    reference_id=reference.id,
                    capture_id=capture.id,
                    platform_id=platforms[side],
                    region_code=region[side],
                    url=url,
                    url_sha256=_sha(url),
                    modality="text",
                    signal="text",
                    score=0.9,
                    status=DetectionStatus.CONFIRMED,
                ),
            )
            notice = put(
                "notice",
                models.Notice(
                    key=f"seed-{side}",
                    platform_id=platforms[side],
                    holder_id=holders[side],
                    region_code=region[side],
                    recipient=f"copyright@{side}.example",
                    channel="smtp",
                    jurisdiction="cn-rpnd",
                    language="zh",
                    status=NoticeStatus.SENT,
                    sent_at=now,
                    deadline_at=now + timedelta(days=3),
                ),
            )
            item = put(
                "notice_item",
                models.NoticeItem(
                    notice_id=notice.id,
                    detection_id=detection.id,
                    url=url,
                    status=NoticeItemStatus.COUNTER_NOTICED,
                ),
            )
            put(
                "counter_notice",
                models.CounterNotice(
                    item_id=item.id,
                    claimant=f"{side} uploader",
                    statement="it is mine",
                    restore_at=now + timedelta(days=10),
                    recorded_by="seed",
                ),
            )
            warning = put(
                "prewarning_list",
                models.PrewarningList(
                    title=f"{side} key works",
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=30),
                    published_by="seed",
                ),
            )
            session.add(models.PrewarningEntry(list_id=warning.id, work_id=work.id))
            session.add(models.PrewarningRecipient(list_id=warning.id, platform_id=platforms[side]))
            case = put(
                "case",
                models.Case(
                    title=f"{side} case",
                    platform_id=platforms[side],
                    region_code=region[side],
                    referred_agency_id=referred[side],
                    status=CaseStatus.OPEN,
                ),
            )
            case.detections.append(detection)
            put(
                "referral",
                models.Referral(
                    case_id=case.id,
                    agency_id=referred[side],
                    kind="criminal",
                    status="sent",
                    sent_by="seed",
                ),
            )
            put(
                "token",
                models.ApiToken(
                    user_id=users[side],
                    name=f"{side} seed token",
                    prefix=f"seed{side}",
                    token_sha256=_sha(f"token {side}"),
                    scopes=["tokens.read"],
                    created_by="seed",
                ),
            )
            rows.setdefault("platform", {})[side] = platforms[side]
            rows.setdefault("holder", {})[side] = holders[side]
            rows.setdefault("agency", {})[side] = agencies[side]
            rows.setdefault("user", {})[side] = users[side]
            rows.setdefault("region", {})[side] = {"gd": GUANGDONG, "zj": ZHEJIANG}[side]
        # one event by each side's officer: the regional scope of the audit trail is its actor
        usernames = {side: session.get_one(models.User, users[side]).username for side in SIDES}
        for side in SIDES:
            audit.record(session, usernames[side], "seed.event", "work", rows["work"][side])
    with sessions() as session:
        for side in SIDES:
            found = session.query(models.AuditEvent.id).filter(
                models.AuditEvent.actor == usernames[side],
                models.AuditEvent.action == "seed.event",
            )
            rows.setdefault("audit", {})[side] = found.one()[0]
    return rows
