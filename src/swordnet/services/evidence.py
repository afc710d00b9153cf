"""A detection's proof, as the detection page and the API show it: the capture and where
its bytes are in the WARC, the screenshot, the matched segments, the reference, the work,
the platform, the sightings and every decision taken (from the audit trail).

Three queries whatever the detection: the detection (the caller's scope checked in the same
query) with its work, holder, reference, capture, item and platform; its segments; its
history. Media are served from files: the
reference as registered, the captured payload extracted once from its WARC record into a
cache named by its SHA-256 (checked against the capture's), so that ranges of a long video
are served from a plain file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from warcio.archiveiterator import ArchiveIterator

from swordnet.domain.enforcement import evidence_kind
from swordnet.domain.errors import SwordNetError
from swordnet.services.access import NotVisible, Principal, allowed, visible
from swordnet.services.inputs import path_from_storage
from swordnet.storage import models

MAX_TEXT_CHARS = 200_000  # beyond this the side-by-side view shows the start only
DECISION_ACTIONS = (
    "detection.created",
    "detection.confirmed",
    "detection.dismissed",
    "detection.authorised",
    "detection.new",
    "detection.reopened",
)


class MediaUnavailableError(SwordNetError):
    """The file behind a piece of evidence is missing or does not match its record."""


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    matched: bool


@dataclass(frozen=True, slots=True)
class SegmentView:
    unit: str
    query_start: list[Any]
    query_end: list[Any]
    reference_start: list[Any]
    reference_end: list[Any]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Evidence:
    detection: models.Detection
    evidence: str
    segments: list[SegmentView]
    history: list[HistoryEntry]
    unit: str | None  # "char", "px", "s": how the segments are measured

    @property
    def capture(self) -> models.Capture | None:
        return self.detection.capture

    @property
    def work(self) -> models.Work:
        return self.detection.work

    @property
    def reference(self) -> models.ReferenceFile:
        return self.detection.reference


def load_evidence(session: Session, principal: Principal, detection_id: int) -> Evidence:
    """The proof of one detection the principal may see; ``NotVisible`` otherwise."""
    # the scope's condition in the query that loads it: one query, not a check then a load
    detection = session.scalars(
        visible(
            select(models.Detection).where(models.Detection.id == detection_id),
            principal,
            "detections.read",
            "detection",
        ).options(
            joinedload(models.Detection.work).joinedload(models.Work.holder),
            joinedload(models.Detection.reference),
            joinedload(models.Detection.capture),
            joinedload(models.Detection.extracted_item),
            joinedload(models.Detection.platform),
            selectinload(models.Detection.segments),
        )
    ).first()
    if detection is None:
        raise NotVisible(f"no detection {detection_id} that you may see")
    history = [
        HistoryEntry(e.at, e.actor, e.action, dict(e.data or {}))
        for e in session.scalars(
            select(models.AuditEvent)
            .where(
                models.AuditEvent.entity == "detection",
                models.AuditEvent.entity_id == detection_id,
            )
            .order_by(models.AuditEvent.seq)
        )
    ]
    segments = [
        SegmentView(s.unit, s.query_start, s.query_end, s.reference_start, s.reference_end)
        for s in detection.segments
    ]
    return Evidence(
        detection=detection,
        evidence=evidence_kind(detection.modality, detection.signal),
        segments=segments,
        history=history,
        unit=segments[0].unit if segments else None,
    )


def _first(value: list[Any]) -> float:
    return float(value[0]) if value else 0.0


def highlighted(text: str, spans: list[tuple[float, float]]) -> list[Span]:
    """``text`` cut into pieces, the matched character ranges marked."""
    text = text[:MAX_TEXT_CHARS]
    merged: list[list[int]] = []
    for start, end in sorted((max(0, int(s)), min(len(text), int(e))) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[Span] = []
    at = 0
    for start, end in merged:
        if start > at:
            pieces.append(Span(text[at:start], False))
        pieces.append(Span(text[start:end], True))
        at = end
    if at < len(text):
        pieces.append(Span(text[at:], False))
    return pieces


def decode(data: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class TextComparison:
    copy: list[Span]
    reference: list[Span]
    copy_available: bool
    reference_available: bool


def compare_text(evidence: Evidence) -> TextComparison:
    """The copied text and the reference, side by side, the matched spans marked."""
    item = evidence.detection.extracted_item
    copy_text = item.text if item is not None and item.text else ""
    query = [(_first(s.query_start), _first(s.query_end)) for s in evidence.segments]
    refs = [(_first(s.reference_start), _first(s.reference_end)) for s in evidence.segments]
    reference_text = ""
    with contextlib.suppress(MediaUnavailableError):
        reference_text = decode(
            reference_path(evidence.reference).read_bytes()[: MAX_TEXT_CHARS * 4]
        )
    return TextComparison(
        highlighted(copy_text, query),
        highlighted(reference_text, refs),
        bool(copy_text),
        bool(reference_text),
    )


def timeline(evidence: Evidence) -> list[dict[str, float]]:
    """Audio and video segments as seconds, with their share of each file's length (for
    drawing them on a timeline)."""
    copy_length = max([_first(s.query_end) for s in evidence.segments] + [1.0])
    reference_length = float(evidence.reference.length or 0) or max(
        [_first(s.reference_end) for s in evidence.segments] + [1.0]
    )
    rows = []
    for s in evidence.segments:
        qs, qe = _first(s.query_start), _first(s.query_end)
        rs, re_ = _first(s.reference_start), _first(s.reference_end)
        rows.append(
            {
                "query_start": qs,
                "query_end": qe,
                "reference_start": rs,
                "reference_end": re_,
                "query_left": round(100 * qs / copy_length, 2),
                "query_width": round(max(0.5, 100 * (qe - qs) / copy_length), 2),
                "reference_left": round(100 * rs / reference_length, 2),
                "reference_width": round(max(0.5, 100 * (re_ - rs) / reference_length), 2),
            }
        )
    return rows


# --- files ----------------------------------------------------------------------------


def reference_path(reference: models.ReferenceFile) -> Path:
    path = path_from_storage(reference.path)
    if not path.is_file():
        raise MediaUnavailableError(f"the reference file of reference {reference.id} is missing")
    return path


def screenshot_file(capture: models.Capture | None) -> Path:
    if capture is None or not capture.screenshot_path:
        raise MediaUnavailableError("no screenshot was taken of this page")
    path = Path(capture.screenshot_path)
    if not path.is_file():
        raise MediaUnavailableError("the screenshot file is missing")
    return path


def captured_payload(capture: models.Capture | None, cache_dir: Path) -> Path:
    """The captured body of ``capture`` as a file, extracted from its WARC record once and
    checked against the SHA-256 the capture recorded."""
    if capture is None or not capture.warc_file or capture.warc_offset is None:
        raise MediaUnavailableError("this detection has no captured body in the WARC files")
    digest = (
        capture.sha256
        or hashlib.sha256(f"{capture.warc_file}:{capture.warc_offset}".encode()).hexdigest()
    )
    cached = cache_dir / digest
    if cached.is_file():
        return cached
    warc = Path(capture.warc_file)
    if not warc.is_file():
        raise MediaUnavailableError("the WARC file of this capture is missing")
    cache_dir.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, warc.open("rb") as source:
            source.seek(capture.warc_offset)
            record = next(iter(ArchiveIterator(source)), None)
            if record is None:
                raise MediaUnavailableError("no WARC record at this capture's offset")
            stream = record.content_stream()
            while chunk := stream.read(1 << 16):
                hasher.update(chunk)
                out.write(chunk)
        if capture.sha256 and hasher.hexdigest() != capture.sha256:
            raise MediaUnavailableError("the WARC record does not match the capture's SHA-256")
        os.replace(temporary, cached)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return cached


def capture_visible_at(session: Session, principal: Principal, warc_file: str, offset: int) -> bool:
    """Whether the principal may see the capture stored at ``warc_file``/``offset``: one of
    the captures behind their detections, or, for who may see the targets, any capture of
    a run of a target of theirs (a replayed page's images and style sheets)."""
    at = select(models.Capture.id).where(
        models.Capture.warc_file == warc_file, models.Capture.warc_offset == offset
    )
    if allowed(principal, "detections.read") and session.scalar(
        visible(at, principal, "detections.read", "capture").limit(1)
    ):
        return True
    if allowed(principal, "targets.read"):
        runs = visible(select(models.CrawlRun.id), principal, "targets.read", "run")
        return session.scalar(at.where(models.Capture.run_id.in_(runs)).limit(1)) is not None
    return False
