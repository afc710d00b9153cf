"""What an evidence bundle holds for a detection, a notice or a case: the ledger leaves
about it and the captured bytes those leaves vouch for (WARC records, screenshots).

Pure reading: nothing here writes. A capture's WARC record is the gzip member at its
offset in the run's ``.warc.gz``, byte for byte as stored, so its SHA-256 is the one the
capture leaf recorded (``warc.sha256``); a screenshot is the PNG file as written.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.domain.errors import NotFoundError
from swordnet.services import ledger
from swordnet.services.ledger import evidence
from swordnet.storage import models
from swordnet.storage.models.cases import case_capture, case_notice

CASE_EVENT = "case.event"
_READ = 1 << 16


@dataclass(frozen=True, slots=True)
class CapturedFile:
    """A file the bundle carries beside the leaves, and the leaf that records its digest."""

    path: str  # inside the bundle
    data: bytes
    type: str  # "warc_record" or "screenshot"
    leaf: int
    capture_id: int
    source: str  # where it was read from, for the manifest


@dataclass
class Selection:
    subject_kind: str
    subject_id: int
    leaves: dict[int, str] = field(default_factory=dict)  # index -> kind
    files: list[CapturedFile] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)  # what could not be included, and why
    captures_seen: set[int] = field(default_factory=set)
    detections_seen: set[int] = field(default_factory=set)

    def add_leaves(self, session: Session, kind: str, ref: int | str) -> list[int]:
        found = ledger.leaves_for(session, kind, ref)
        for index in found:
            self.leaves[index] = kind
        return found


def read_gzip_member(path: Path, offset: int) -> bytes:
    """The bytes of the one gzip member that starts at ``offset`` (a WARC record)."""
    inflater = zlib.decompressobj(wbits=31)
    chunks: list[bytes] = []
    with path.open("rb") as handle:
        handle.seek(offset)
        while not inflater.eof:
            chunk = handle.read(_READ)
            if not chunk:
                raise ValueError(f"{path.name}: the gzip member at {offset} is truncated")
            inflater.decompress(chunk)
            chunks.append(chunk)
    data = b"".join(chunks)
    return data[: len(data) - len(inflater.unused_data)]


def _warc_path(warc_dir: Path, stored: str) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else warc_dir / path


def add_capture(session: Session, selection: Selection, capture_id: int, warc_dir: Path) -> None:
    """The capture's leaves, its WARC record and its screenshot."""
    if capture_id in selection.captures_seen:
        return
    selection.captures_seen.add(capture_id)
    capture = session.get(models.Capture, capture_id)
    captured = selection.add_leaves(session, evidence.CAPTURE, capture_id)
    shots = selection.add_leaves(session, evidence.SCREENSHOT, capture_id)
    if capture is None:
        return
    if capture.warc_file and capture.warc_offset is not None:
        if not captured:
            selection.omitted.append(f"capture {capture_id}: WARC record not in the ledger")
        else:
            path = _warc_path(warc_dir, capture.warc_file)
            try:
                data = read_gzip_member(path, capture.warc_offset)
            except (OSError, ValueError, zlib.error) as exc:
                selection.omitted.append(f"capture {capture_id}: WARC record unreadable: {exc}")
            else:
                selection.files.append(
                    CapturedFile(
                        f"warc/capture-{capture_id}.warc.gz",
                        data,
                        "warc_record",
                        captured[-1],
                        capture_id,
                        f"{path.name} at offset {capture.warc_offset}",
                    )
                )
    if capture.screenshot_path:
        path = Path(capture.screenshot_path)
        if not shots:
            selection.omitted.append(f"capture {capture_id}: screenshot not in the ledger")
        elif not path.is_file():
            selection.omitted.append(f"capture {capture_id}: screenshot file missing")
        else:
            selection.files.append(
                CapturedFile(
                    f"screenshots/capture-{capture_id}{path.suffix or '.png'}",
                    path.read_bytes(),
                    "screenshot",
                    shots[-1],
                    capture_id,
                    path.name,
                )
            )


def add_detection(
    session: Session, selection: Selection, detection_id: int, warc_dir: Path
) -> None:
    if detection_id in selection.detections_seen:
        return
    selection.detections_seen.add(detection_id)
    selection.add_leaves(session, evidence.DETECTION, detection_id)
    capture_id = session.scalar(
        select(models.Detection.capture_id).where(models.Detection.id == detection_id)
    )
    if capture_id is not None:
        add_capture(session, selection, capture_id, warc_dir)


def add_notice(session: Session, selection: Selection, notice_id: int, warc_dir: Path) -> None:
    selection.add_leaves(session, evidence.NOTICE_SENT, notice_id)
    items = session.execute(
        select(models.NoticeItem.id, models.NoticeItem.detection_id).where(
            models.NoticeItem.notice_id == notice_id
        )
    ).all()
    for item_id, detection_id in items:
        selection.add_leaves(session, evidence.RECHECK, item_id)
        add_detection(session, selection, detection_id, warc_dir)


def select_detection(session: Session, detection_id: int, warc_dir: Path) -> Selection:
    if session.get(models.Detection, detection_id) is None:
        raise NotFoundError(f"no detection {detection_id}")
    selection = Selection("detection", detection_id)
    add_detection(session, selection, detection_id, warc_dir)
    return selection


def select_notice(session: Session, notice_id: int, warc_dir: Path) -> Selection:
    if session.get(models.Notice, notice_id) is None:
        raise NotFoundError(f"no notice {notice_id}")
    selection = Selection("notice", notice_id)
    add_notice(session, selection, notice_id, warc_dir)
    return selection


def select_case(session: Session, case_id: int, warc_dir: Path) -> Selection:
    case = session.get(models.Case, case_id)
    if case is None:
        raise NotFoundError(f"no case {case_id}")
    selection = Selection("case", case_id)
    selection.add_leaves(session, CASE_EVENT, case_id)
    for detection in sorted(case.detections, key=lambda d: d.id):
        add_detection(session, selection, detection.id, warc_dir)
    captures = session.scalars(
        select(case_capture.c.capture_id).where(case_capture.c.case_id == case_id)
    )
    for capture_id in sorted(captures):
        add_capture(session, selection, capture_id, warc_dir)
    notices = session.scalars(
        select(case_notice.c.notice_id).where(case_notice.c.case_id == case_id)
    )
    for notice_id in sorted(notices):
        add_notice(session, selection, notice_id, warc_dir)
    return selection
