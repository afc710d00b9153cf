"""Drafting notices: confirmed detections grouped per recipient and rights holder, rendered
for the jurisdiction and language, stored with their hash before anything is sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from swordnet.domain.enforcement import (
    TITLE_EVIDENCE,
    evidence_kind,
    notice_deadline,
    notice_key,
    notice_type,
)
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import DetectionStatus, NoticeStatus
from swordnet.plugins import modality_label, unit_labels
from swordnet.services import audit
from swordnet.services.enforcement.prewarning import ProtectionWindows
from swordnet.services.enforcement.rendering import notice_recipients, render, sha256_text
from swordnet.services.enforcement.vocabulary import (
    METHODS,
    TITLED_ITEMS,
    WORK_KINDS,
    term,
)
from swordnet.settings import EnforcementSettings
from swordnet.storage import models

JURISDICTIONS = {"cn-rpnd": "cn_rpnd", "us-dmca": "us_dmca"}
_SUBJECTS = {
    ("cn-rpnd", "zh"): "侵权通知：{platform}上的{count}项侵权内容（权利人：{holder}）",
    ("cn-rpnd", "en"): "Infringement notice (RPND art. 14): {count} items on {platform} ({holder})",
    ("us-dmca", "en"): "DMCA notice: {count} infringing items on {platform} ({holder})",
    ("us-dmca", "zh"): "DMCA侵权通知：{platform}上的{count}项侵权内容（{holder}）",
}
TABLE_LABELS = {
    "zh": ["序号", "作品", "网络地址", "内容哈希 (SHA-256)", "对应片段"],
    "en": ["#", "Work", "Address", "Content hash (SHA-256)", "Matching passages"],
}
_UNKNOWN_HOLDER = {"zh": "（权利人未登记）", "en": "(rights holder not recorded)"}


def _span(values: Sequence[Any]) -> str:
    return ",".join(f"{v:.0f}" if isinstance(v, float) else str(v) for v in values)


def segment_text(segment: models.DetectionSegment, language: str) -> str:
    unit = unit_labels()[segment.unit][language]
    copy = f"{_span(segment.query_start)}-{_span(segment.query_end)}"
    work = f"{_span(segment.reference_start)}-{_span(segment.reference_end)}"
    if language == "zh":
        return f"侵权页面第 {copy} {unit} 对应作品第 {work} {unit}"
    return f"copy {unit} {copy} = work {unit} {work}"


_QUOTED_TEXT_CHARS = 80  # of a listing's or share link's text quoted as evidence


def method_text(detection: models.Detection, language: str) -> str:
    """How the detection was made, in the notice's language: a fingerprint match with its
    similarity, or a title match naming what the item's title says."""
    modality = modality_label(detection.modality, language)
    score = f"{detection.score:.2f}"
    if evidence_kind(detection.modality, detection.signal) != TITLE_EVIDENCE:
        return METHODS["fingerprint"][language].format(modality=modality, score=score)
    details = detection.details or {}
    text = " ".join(str(details.get("text") or detection.work.title).split())
    if len(text) > _QUOTED_TEXT_CHARS:
        text = text[: _QUOTED_TEXT_CHARS - 1] + "…"
    return METHODS[TITLE_EVIDENCE][language].format(
        item=term(TITLED_ITEMS, str(details.get("kind", "listing")), language),
        text=text,
        alias=str(details.get("matched_alias") or detection.work.title),
    )


def item_context(detection: models.Detection, number: int, language: str) -> dict[str, Any]:
    capture = detection.capture
    return {
        "number": number,
        "work_title": detection.work.title,
        "work_kind": term(WORK_KINDS, detection.work.kind, language),
        "url": detection.url,
        "detected_at": detection.detected_at.strftime("%Y-%m-%d %H:%M UTC"),
        "modality": modality_label(detection.modality, language),
        "score": f"{detection.score:.2f}",
        "method": method_text(detection, language),
        "capture_at": capture.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if capture else "-",
        "capture_sha256": (capture.sha256 if capture else None) or "-",
        "warc_record_id": capture.warc_record_id if capture else None,
        "segments": [segment_text(s, language) for s in detection.segments[:5]],
    }


def _agent_lines(holder: models.RightsHolder, language: str, on: date | None) -> list[str]:
    """The authorised agents whose mandate holds on the notice's date, one line each."""
    today = (on or datetime.now(UTC).date()).isoformat()
    lines = []
    for agent in holder.agents or []:
        if agent.get("valid_until") and str(agent["valid_until"]) < today:
            continue
        parts = [str(agent.get("name") or "")]
        if agent.get("mandate"):
            parts.append(str(agent["mandate"]))
        parts += [str(agent[k]) for k in ("email", "phone") if agent.get(k)]
        if agent.get("valid_until"):
            until = "有效期至" if language == "zh" else "valid until"
            parts.append(f"{until} {agent['valid_until']}")
        lines.append(("，" if language == "zh" else ", ").join(p for p in parts if p))
    return lines


def holder_context(
    holder: models.RightsHolder | None, language: str, *, on: date | None = None
) -> dict[str, Any]:
    """The notice's contact block: the rights holder's name, contact person, e-mail,
    phone and address, and the agents authorised to act for it."""
    if holder is None:
        return {
            "name": _UNKNOWN_HOLDER[language],
            "contact_name": None,
            "email": None,
            "phone": None,
            "address": None,
            "agents": [],
        }
    return {
        "name": holder.name,
        "contact_name": holder.contact_name,
        "email": holder.email,
        "phone": holder.phone,
        "address": holder.address,
        "agents": _agent_lines(holder, language, on),
    }


def platform_context(platform: models.Platform | None, url: str) -> dict[str, Any]:
    if platform is None:
        return {"name": url, "domain": url, "operator": None}
    return {"name": platform.name, "domain": platform.domain, "operator": platform.operator}


def render_notice_text(
    *,
    jurisdiction: str,
    language: str,
    key: str,
    now: datetime,
    deadline_at: datetime,
    holder: models.RightsHolder | None,
    platform: models.Platform | None,
    detections: Sequence[models.Detection],
    sender: str,
) -> tuple[str, str]:
    """(subject, text) of a notice."""
    holder_ctx = holder_context(holder, language, on=now.date())
    platform_ctx = platform_context(platform, detections[0].url)
    items = [item_context(d, n, language) for n, d in enumerate(detections, start=1)]
    signer = (holder.contact_name or holder.name) if holder else sender
    text = render(
        f"notices/{JURISDICTIONS[jurisdiction]}.{language}.txt.j2",
        notice={
            "key": key,
            "date": now.strftime("%Y-%m-%d"),
            "deadline": deadline_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        holder=holder_ctx,
        platform=platform_ctx,
        items=items,
        sender=sender,
        signature=signer,
    )
    subject = _SUBJECTS[(jurisdiction, language)].format(
        platform=platform_ctx["domain"], count=len(items), holder=holder_ctx["name"]
    )
    return subject, text


class UndeliverableNoticeError(SwordNetError):
    """A notice would be drafted for a channel that cannot deliver it."""


def _refuse_undeliverable(channel: str, firsts: Sequence[models.Detection]) -> None:
    """Refuse before drafting anything: a notice that can never be sent is not drafted."""
    from swordnet import plugins

    if channel not in plugins.notifiers.names():
        known = ", ".join(sorted(plugins.notifiers.names()))
        raise UndeliverableNoticeError(f"no notifier named {channel!r}; channels: {known}")
    if channel != "webhook":
        return
    missing = sorted(
        {d.platform.domain if d.platform else d.url for d in firsts if not _webhook_url(d)}
    )
    if missing:
        raise UndeliverableNoticeError(
            f"no webhook URL is known for {', '.join(missing)}: record the platform's "
            "webhook_url first, or draft these notices for another channel "
            "(--channel smtp or export)"
        )


def _webhook_url(detection: models.Detection) -> str | None:
    return detection.platform.webhook_url if detection.platform is not None else None


def draft_notices(
    session: Session,
    settings: EnforcementSettings,
    *,
    actor: str,
    now: datetime,
    channel: str | None = None,
    jurisdiction: str | None = None,
    language: str | None = None,
    detection_ids: Sequence[int] | None = None,
) -> list[models.Notice]:
    """One rendered notice per (platform, rights holder) for confirmed detections that are in
    no notice yet. Drafting twice drafts nothing new: each detection is noticed once."""
    channel = channel or settings.channel
    jurisdiction = jurisdiction or settings.jurisdiction
    language = language or settings.language
    if jurisdiction not in JURISDICTIONS or (jurisdiction, language) not in _SUBJECTS:
        raise ValueError(f"no notice template for {jurisdiction} in {language}")
    noticed = select(models.NoticeItem.detection_id)
    query = (
        select(models.Detection)
        .where(models.Detection.status == DetectionStatus.CONFIRMED)
        .where(models.Detection.id.not_in(noticed))
        .options(
            selectinload(models.Detection.work).selectinload(models.Work.holder),
            selectinload(models.Detection.segments),
            selectinload(models.Detection.capture),
            selectinload(models.Detection.platform),
        )
        .order_by(models.Detection.id)
    )
    if detection_ids is not None:
        query = query.where(models.Detection.id.in_(detection_ids))
    groups: dict[tuple[int | None, int | None], list[models.Detection]] = defaultdict(list)
    for detection in session.scalars(query):
        groups[(detection.platform_id, detection.work.holder_id)].append(detection)
    _refuse_undeliverable(channel, [detections[0] for detections in groups.values()])
    windows = ProtectionWindows.load(session)
    drafted: list[models.Notice] = []
    for (platform_id, holder_id), detections in groups.items():
        platform = detections[0].platform
        holder = detections[0].work.holder
        webhook_url = _webhook_url(detections[0])
        addresses = notice_recipients(platform, detections[0].url)
        recipient = webhook_url if channel == "webhook" and webhook_url else addresses[0]
        key = notice_key(recipient, jurisdiction, (d.id for d in detections))
        urgent = any(
            d.work.key_work or windows.covers(d.work_id, d.detected_at) for d in detections
        )
        kind = notice_type(
            key_work_or_prewarned=urgent,
            platform_category=str(platform.category.value) if platform else None,
        )
        deadline_at = notice_deadline(now, kind, settings.deadline_hours)
        subject, text = render_notice_text(
            jurisdiction=jurisdiction,
            language=language,
            key=key,
            now=now,
            deadline_at=deadline_at,
            holder=holder,
            platform=platform,
            detections=detections,
            sender=settings.sender,
        )
        notice = models.Notice(
            key=key,
            platform_id=platform_id,
            campaign_id=detections[0].campaign_id,
            holder_id=holder_id,
            # who may see it: the region of the platform it is addressed to, else (a
            # platform of no region) its detections', which came from their target
            region_code=(platform.region_code if platform is not None else None)
            or detections[0].region_code,
            recipient=recipient,
            channel=channel,
            jurisdiction=jurisdiction,
            language=language,
            status=NoticeStatus.RENDERED,
            subject=subject,
            body_text=text,
            body_sha256=sha256_text(text),
            created_at=now,
            deadline_at=deadline_at,
        )
        notice.items = [models.NoticeItem(detection_id=d.id, url=d.url) for d in detections]
        session.add(notice)
        session.flush()
        audit.record(
            session,
            actor,
            "notice.rendered",
            "notice",
            notice.id,
            key=key,
            recipient=recipient,
            **({"copies": addresses[1:]} if recipient == addresses[0] and addresses[1:] else {}),
            notice_type=kind,
            deadline_at=deadline_at.isoformat(),
            body_sha256=notice.body_sha256,
            detections=[d.id for d in detections],
        )
        drafted.append(notice)
    return drafted


def notice_html(notice: models.Notice) -> str:
    """The HTML version: the stored text in paragraphs, and an evidence table with links."""
    text = notice.body_text or ""
    paragraphs = [block.splitlines() for block in text.split("\n\n") if block.strip()]
    detections = [item.detection for item in notice.items]
    items = [item_context(d, n, notice.language) for n, d in enumerate(detections, start=1)]
    return render(
        "notices/layout.html.j2",
        language=notice.language,
        subject=notice.subject or "",
        paragraphs=paragraphs,
        items=items,
        labels=TABLE_LABELS[notice.language],
    )


@dataclass(frozen=True, slots=True)
class NoticeSummary:
    id: int
    recipient: str
    jurisdiction: str
    language: str
    status: NoticeStatus
    items: int
    sent_at: datetime | None
    deadline_at: datetime | None


def list_notices(
    sessions: sessionmaker[Session], *, status: NoticeStatus | None = None
) -> list[NoticeSummary]:
    """Every notice (or those of ``status``), oldest first."""
    query = select(models.Notice).order_by(models.Notice.id)
    if status is not None:
        query = query.where(models.Notice.status == status)
    with sessions() as session:
        return [
            NoticeSummary(
                n.id,
                n.recipient,
                n.jurisdiction,
                n.language,
                n.status,
                len(n.items),
                n.sent_at,
                n.deadline_at,
            )
            for n in session.scalars(query.options(selectinload(models.Notice.items)))
        ]
