"""The evidence records SwordNet writes into the log, one builder per kind of leaf.

Each record names its subject's id as ``id`` (what ``leaves_for(kind, id)`` finds) and
holds what a court or a platform needs to check the evidence without our database:
digests of the bytes kept elsewhere (the WARC record, the screenshot, the notice sent)
and where those bytes are. The kinds: ``capture``, ``capture.screenshot``, ``detection``,
``notice.sent``, ``notice_item.checked`` (a re-check verdict), and the ledger's own
``ledger.key_created``, ``ledger.key_rotated``, ``audit.anchor``.
"""

from __future__ import annotations

from typing import Any

from swordnet import __version__
from swordnet.settings import Settings

CAPTURE = "capture"
SCREENSHOT = "capture.screenshot"
DETECTION = "detection"
NOTICE_SENT = "notice.sent"
RECHECK = "notice_item.checked"

TIME_SOURCE = "system clock of the capturing host, UTC"


def capture_environment(settings: Settings) -> dict[str, Any]:
    """What the capture was made with: the software and the settings that change what is
    fetched and kept. The fetcher does not report the addresses it connected to yet."""
    crawler = settings.crawler
    return {
        "software": f"swordnet {__version__}",
        "fetcher": "http",
        "user_agent": crawler.user_agent,
        "obey_robots": crawler.obey_robots,
        "max_body_bytes": crawler.max_body_bytes,
        "max_redirects": crawler.max_redirects,
        "allow_networks": list(crawler.allow_networks),
        "time_source": TIME_SOURCE,
    }


def capture_record(
    capture_id: int,
    row: dict[str, Any],
    warc_record_sha256: str | None,
    environment: dict[str, Any],
) -> dict[str, Any]:
    """A capture: what was asked, what answered, and the WARC record that holds it."""
    outcome = row.get("outcome")
    return {
        "id": capture_id,
        "run_id": row.get("run_id"),
        "url": row.get("url"),
        "final_url": row.get("final_url"),
        "outcome": getattr(outcome, "value", outcome),
        "status": row.get("status_code"),
        "media_type": row.get("media_type"),
        "size": row.get("size_bytes"),
        "payload_sha256": row.get("sha256"),
        "warc": None
        if row.get("warc_file") is None
        else {
            "file": str(row["warc_file"]).rsplit("/", 1)[-1],
            "offset": row.get("warc_offset"),
            "record_id": row.get("warc_record_id"),
            "sha256": warc_record_sha256,  # of the gzip member at that offset, as stored
        },
        "error": row.get("error"),
        "environment": environment,
    }


def screenshot_record(capture_id: int, path: str, sha256: str) -> dict[str, Any]:
    return {"id": capture_id, "file": path.rsplit("/", 1)[-1], "sha256": sha256}


def detection_record(detection: Any, signal_version: int | None) -> dict[str, Any]:
    """A detection (``models.Detection``, flushed): the reference matched, where, how."""
    return {
        "id": detection.id,
        "url": detection.url,
        "work_id": detection.work_id,
        "reference_id": detection.reference_id,
        "capture_id": detection.capture_id,
        "modality": detection.modality,
        "signal": detection.signal,
        "signal_version": signal_version,
        "score": detection.score,
        "segments": [
            {
                "unit": s.unit,
                "query": [s.query_start, s.query_end],
                "reference": [s.reference_start, s.reference_end],
            }
            for s in detection.segments
        ],
    }


def notice_sent_record(notice: Any, attempt: Any, receipt: str) -> dict[str, Any]:
    """A notice as sent (``models.Notice`` and its ``NoticeDelivery``)."""
    return {
        "id": notice.id,
        "key": notice.key,
        "message_id": notice.message_id,
        "body_sha256": notice.body_sha256,
        "recipient": notice.recipient,
        "channel": attempt.channel,
        "attempt": attempt.attempt,
        "receipt": receipt,
        "items": [{"detection_id": i.detection_id, "url": i.url} for i in notice.items],
    }


def recheck_record(item: Any, verdict: Any) -> dict[str, Any]:
    """A re-check verdict on one noticed item (``models.NoticeItem``, ``ItemVerdict``)."""
    return {
        "id": item.id,
        "notice_id": item.notice_id,
        "url": item.url,
        "status": verdict.status.value,
        "detail": verdict.detail,
    }
