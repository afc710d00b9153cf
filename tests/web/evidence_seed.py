"""Detections with real evidence for the web tests: captures written to a real WARC file
with warcio (through the crawler's encoder), a screenshot file, an extracted text, segments;
one copy in Guangdong (Shenzhen) and one in Zhejiang."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from tests.web.conftest import SHENZHEN, ZHEJIANG, Campaign

from swordnet.bootstrap import Container
from swordnet.crawler.capture import encode_response
from swordnet.domain.kinds import CaptureOutcome, DetectionStatus, WorkKind
from swordnet.storage import models

FETCHED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
REFERENCE_TEXT = (
    "剑影江湖第一章。" * 3 + "The swordsman walked into the inn at dusk and ordered wine."
)
COPY_TEXT = "盗版小说网 免费阅读 " + REFERENCE_TEXT + " 下一章"
GD_URL = "https://videosite.example/read/1"
ZJ_URL = "https://booksite.example/read/9"


@dataclass
class Seeded:
    work_id: int  # Star Pictures' key work
    other_work_id: int  # a work of no holder
    reference_id: int
    gd: int  # detection in Shenzhen (Guangdong)
    zj: int  # detection in Zhejiang
    gd_capture: int
    zj_capture: int
    gd_other: int  # a second Guangdong detection, of the other work
    warc: Path


def png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _page(text: str) -> bytes:
    head = "<head><meta charset='utf-8'><title>read</title></head>"
    return f"<html>{head}<body><p>{text}</p></body></html>".encode()


def seed(container: Container, campaign: Campaign) -> Seeded:
    settings = container.settings
    warc = settings.warc_dir / "run-000001-test.warc.gz"
    warc.parent.mkdir(parents=True, exist_ok=True)
    gd_record = encode_response(
        GD_URL, 200, {"Content-Type": "text/html; charset=utf-8"}, _page(COPY_TEXT), FETCHED
    )
    zj_record = encode_response(
        ZJ_URL,
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        _page("浙江的副本 " + COPY_TEXT),
        FETCHED,
    )
    warc.write_bytes(gd_record.data + zj_record.data)
    shot = settings.home / "screenshots" / "gd.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.write_bytes(png())
    reference = settings.home / "refs" / "chapter1.txt"
    reference.parent.mkdir(parents=True, exist_ok=True)
    reference.write_text(REFERENCE_TEXT, encoding="utf-8")
    start = len("盗版小说网 免费阅读 ")
    with container.sessions() as session, session.begin():
        work = models.Work(
            title="剑影江湖", kind=WorkKind.BOOK, holder_id=campaign.holders["star"], key_work=True
        )
        other = models.Work(title="Other Book", kind=WorkKind.BOOK)
        session.add_all([work, other])
        session.flush()
        ref = models.ReferenceFile(
            work_id=work.id,
            path=str(reference),
            modality="text",
            media_type="text/plain",
            sha256=hashlib.sha256(reference.read_bytes()).hexdigest(),
            size_bytes=reference.stat().st_size,
            length=float(len(REFERENCE_TEXT)),
        )
        other_ref = models.ReferenceFile(
            work_id=other.id,
            path=str(reference) + ".missing",
            modality="text",
            media_type="text/plain",
            sha256="0" * 64,
            size_bytes=1,
            length=1.0,
        )
        session.add_all([ref, other_ref])
        session.flush()
        captures = []
        for url, record, offset, platform, shot_path in (
            (GD_URL, gd_record, 0, campaign.platforms["videosite"], str(shot)),
            (ZJ_URL, zj_record, len(gd_record.data), campaign.platforms["booksite"], None),
        ):
            capture = models.Capture(
                url=url,
                host=url.split("/")[2],
                outcome=CaptureOutcome.OK,
                status_code=200,
                media_type="text/html",
                size_bytes=100,
                sha256=record.sha256,
                warc_file=str(warc),
                warc_offset=offset,
                warc_record_id=record.record_id,
                screenshot_path=shot_path,
                fetched_at=FETCHED,
                platform_id=platform,
            )
            session.add(capture)
            session.flush()
            captures.append(capture)
        ids = []
        for url, capture, platform, region, work_id, ref_id, score in (
            (GD_URL, captures[0], campaign.platforms["videosite"], SHENZHEN, work.id, ref.id, 0.93),
            (ZJ_URL, captures[1], campaign.platforms["booksite"], ZHEJIANG, work.id, ref.id, 0.91),
            (
                GD_URL + "?p=2",
                captures[0],
                campaign.platforms["videosite"],
                SHENZHEN,
                other.id,
                other_ref.id,
                0.5,
            ),
        ):
            item = models.ExtractedItem(
                capture_id=capture.id, kind="text", extractor="html_text", text=COPY_TEXT
            )
            detection = models.Detection(
                work_id=work_id,
                reference_id=ref_id,
                capture_id=capture.id,
                extracted_item=item,
                platform_id=platform,
                region_code=region,
                url=url,
                url_sha256=hashlib.sha256(url.encode()).hexdigest(),
                modality="text",
                signal="text",
                score=score,
                status=DetectionStatus.NEW,
                detected_at=FETCHED,
            )
            detection.segments.append(
                models.DetectionSegment(
                    unit="char",
                    query_start=[start],
                    query_end=[start + len(REFERENCE_TEXT)],
                    reference_start=[0],
                    reference_end=[len(REFERENCE_TEXT)],
                )
            )
            session.add(detection)
            session.flush()
            ids.append(detection.id)
        return Seeded(
            work.id, other.id, ref.id, ids[0], ids[1], captures[0].id, captures[1].id, ids[2], warc
        )
