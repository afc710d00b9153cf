"""Detections: the queue's filters, the evidence of one, decisions singly and in bulk, and
the export of every visible detection as NDJSON."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from swordnet.domain.enforcement import evidence_kind
from swordnet.services import evidence as proof
from swordnet.services import review_queue
from swordnet.services.access import Principal, visible
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, paginate, stream_rows_ndjson
from swordnet.web.deps import DB, now, requires
from swordnet.web.pages.review import Filters
from swordnet.web.problems import PROBLEM_RESPONSES
from swordnet.web.replay import replay_path

router = APIRouter(prefix="/detections", tags=["detections"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(requires("detections.read"))]
Reviewer = Annotated[Principal, Depends(requires("detections.review"))]


class DetectionPublic(BaseModel):
    id: int
    url: str
    work_id: int
    reference_id: int
    capture_id: int | None
    platform_id: int | None
    region_code: str | None
    modality: str
    signal: str
    evidence: str = Field(description="The modality, or `title` for a match of the title.")
    score: float
    status: str
    status_reason: str | None
    sightings: int
    detected_at: datetime
    last_seen_at: datetime
    decided_at: datetime | None


def to_public(d: models.Detection) -> DetectionPublic:
    return DetectionPublic(
        id=d.id,
        url=d.url,
        work_id=d.work_id,
        reference_id=d.reference_id,
        capture_id=d.capture_id,
        platform_id=d.platform_id,
        region_code=d.region_code,
        modality=d.modality,
        signal=d.signal,
        evidence=evidence_kind(d.modality, d.signal),
        score=d.score,
        status=d.status.value,
        status_reason=d.status_reason,
        sightings=d.sightings,
        detected_at=d.detected_at,
        last_seen_at=d.last_seen_at,
        decided_at=d.decided_at,
    )


class SegmentPublic(BaseModel):
    unit: str
    query_start: list[Any]
    query_end: list[Any]
    reference_start: list[Any]
    reference_end: list[Any]


class CapturePublic(BaseModel):
    id: int
    url: str
    host: str
    fetched_at: datetime
    status_code: int | None
    media_type: str | None
    sha256: str | None
    warc_file: str | None = Field(description="The WARC file's name.")
    warc_offset: int | None
    warc_record_id: str | None
    replay_url: str | None
    screenshot_url: str | None


class WorkBrief(BaseModel):
    id: int
    title: str
    key_work: bool


class HistoryPublic(BaseModel):
    at: datetime
    actor: str
    action: str
    data: dict[str, Any]


class EvidencePublic(DetectionPublic):
    work: WorkBrief
    capture: CapturePublic | None
    segments: list[SegmentPublic]
    history: list[HistoryPublic]


class DecisionCreate(BaseModel):
    decision: Literal["confirm", "dismiss", "authorise"]
    reason: str | None = Field(
        default=None, max_length=2000, description="Required to dismiss or authorise."
    )


class BulkDecisionCreate(DecisionCreate):
    detection_ids: list[int] = Field(min_length=1, max_length=review_queue.MAX_BULK)


class DecisionResult(BaseModel):
    changed: list[int] = Field(description="The detections whose status changed.")
    detections: list[DetectionPublic]


def _scoped(request: Request, principal: Principal, filters: review_queue.QueueFilters) -> Any:
    if "status" not in request.query_params:  # the API lists every status unless asked
        filters = replace(filters, status=None)
    return review_queue.filtered(
        visible(select(models.Detection), principal, "detections.read", "detection"), filters
    )


@router.get("", response_model=Page[DetectionPublic], summary="Detections, newest first")
def list_detections(
    request: Request,
    session: DB,
    principal: Reader,
    filters: Filters,
    page: Annotated[PageQuery, Depends()],
) -> Page[DetectionPublic]:
    """The review queue's filters; every status unless `status` is given."""
    stmt = _scoped(request, principal, filters).with_only_columns(*_exported_columns())
    return paginate(
        session,
        request,
        stmt,
        models.Detection.id,
        page,
        lambda row: DetectionPublic.model_validate(_exported(row)),
        columns=True,
    )


# the columns of a listing and the export, in DetectionPublic's order (``evidence`` is
# computed): plain columns, no ORM object per row
_EXPORTED = tuple(name for name in DetectionPublic.model_fields if name != "evidence")


def _exported_columns() -> list[Any]:
    return [getattr(models.Detection, name) for name in _EXPORTED]


def _exported(row: Any) -> dict[str, Any]:
    line = dict(zip(_EXPORTED, row, strict=True))
    line["evidence"] = evidence_kind(line["modality"], line["signal"])
    line["status"] = line["status"].value
    return line


@router.get("/export", summary="Every visible detection, one JSON object a line")
def export_detections(request: Request, principal: Reader, filters: Filters) -> StreamingResponse:
    """Each line is a `DetectionPublic`. Streamed from the database in batches: a million
    rows cost the server no more memory than a thousand."""
    stmt = (
        _scoped(request, principal, filters)
        .with_only_columns(*_exported_columns())
        .order_by(models.Detection.id)
    )
    return stream_rows_ndjson(request.app.state.container.sessions, stmt, _exported)


@router.get("/{detection_id}", response_model=EvidencePublic, summary="A detection's evidence")
def get_detection(session: DB, principal: Reader, detection_id: int) -> EvidencePublic:
    found = proof.load_evidence(session, principal, detection_id)
    d, capture = found.detection, found.capture
    capture_public = None
    if capture is not None:
        at = capture.final_url or capture.url
        capture_public = CapturePublic(
            id=capture.id,
            url=capture.url,
            host=capture.host,
            fetched_at=capture.fetched_at,
            status_code=capture.status_code,
            media_type=capture.media_type,
            sha256=capture.sha256,
            warc_file=Path(capture.warc_file).name if capture.warc_file else None,
            warc_offset=capture.warc_offset,
            warc_record_id=capture.warc_record_id,
            replay_url="/replay" + replay_path(at, capture.fetched_at)
            if capture.warc_file
            else None,
            screenshot_url=f"/detections/{d.id}/screenshot" if capture.screenshot_path else None,
        )
    return EvidencePublic(
        **to_public(d).model_dump(),
        work=WorkBrief(id=d.work.id, title=d.work.title, key_work=d.work.key_work),
        capture=capture_public,
        segments=[SegmentPublic(**vars_of(s)) for s in found.segments],
        history=[
            HistoryPublic(at=h.at, actor=h.actor, action=h.action, data=h.data)
            for h in found.history
        ],
    )


def vars_of(segment: proof.SegmentView) -> dict[str, Any]:
    return {
        "unit": segment.unit,
        "query_start": segment.query_start,
        "query_end": segment.query_end,
        "reference_start": segment.reference_start,
        "reference_end": segment.reference_end,
    }


def _decide(
    session: DB, principal: Principal, ids: list[int], body: DecisionCreate
) -> DecisionResult:
    changed = review_queue.decide(
        session, principal, ids, body.decision, now=now(), reason=body.reason
    )
    session.commit()
    rows = session.scalars(
        select(models.Detection).where(models.Detection.id.in_(ids)).order_by(models.Detection.id)
    )
    return DecisionResult(changed=changed, detections=[to_public(d) for d in rows])


@router.post("/decisions", response_model=DecisionResult, summary="Decide several detections")
def decide_many(session: DB, principal: Reviewer, body: BulkDecisionCreate) -> DecisionResult:
    """All or nothing: when one id is not the caller's to review, none changes (404)."""
    return _decide(session, principal, body.detection_ids, body)


@router.post("/{detection_id}/decision", response_model=DecisionResult, summary="Decide one")
def decide_one(
    session: DB, principal: Reviewer, detection_id: int, body: DecisionCreate
) -> DecisionResult:
    return _decide(session, principal, [detection_id], body)
