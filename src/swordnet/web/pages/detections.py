"""A detection's page: the proof. The captured page replayed from the WARC (``/replay``),
the screenshot, the copy beside the reference with the matched parts marked, the
decision buttons and the history of decisions."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from PIL import Image, ImageDraw, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.services import evidence as proof
from swordnet.services.access import NotVisible, Principal, allowed, one_visible
from swordnet.storage import models
from swordnet.web.deps import DB, requires
from swordnet.web.replay import replay_path
from swordnet.web.templating import render

router = APIRouter()

Reader = Annotated[Principal, Depends(requires("detections.read"))]


def _media_cache(request: Request) -> Path:
    return Path(request.app.state.container.settings.home) / "cache" / "captured"


@router.get("/detections/{detection_id}", response_class=HTMLResponse)
def detection_page(request: Request, session: DB, principal: Reader, detection_id: int) -> Response:
    found = proof.load_evidence(session, principal, detection_id)
    capture = found.capture
    context: dict[str, object] = {
        "ev": found,
        "d": found.detection,
        "may_review": allowed(principal, "detections.review"),
        "may_see_reference": allowed(principal, "works.read"),
        "replay_url": (
            "/replay" + replay_path(capture.final_url or capture.url, capture.fetched_at)
            if capture is not None and capture.warc_file
            else None
        ),
        "raw_url": (
            "/replay" + replay_path(capture.final_url or capture.url, capture.fetched_at, raw=True)
            if capture is not None and capture.warc_file
            else None
        ),
        "warc_name": Path(capture.warc_file).name if capture and capture.warc_file else None,
    }
    if found.unit == "char":
        context["text"] = proof.compare_text(found)
    elif found.unit == "s":
        context["timeline"] = proof.timeline(found)
    return render(request, "detections/detail.html", context)


def _capture_of(session: Session, principal: Principal, detection_id: int) -> models.Capture:
    one_visible(session, principal, "detections.read", "detection", detection_id)
    capture = session.scalar(
        select(models.Capture)
        .join(models.Detection, models.Detection.capture_id == models.Capture.id)
        .where(models.Detection.id == detection_id)
    )
    if capture is None:
        raise NotVisible(f"detection {detection_id} has no capture")
    return capture


def _file(path: Path, media_type: str | None) -> FileResponse:
    # served as data, never rendered as a page of ours
    response = FileResponse(path, media_type=media_type or "application/octet-stream")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get("/detections/{detection_id}/screenshot")
def screenshot(session: DB, principal: Reader, detection_id: int) -> Response:
    capture = _capture_of(session, principal, detection_id)
    try:
        return _file(proof.screenshot_file(capture), "image/png")
    except proof.MediaUnavailableError as exc:
        raise NotVisible(str(exc)) from None


@router.get("/detections/{detection_id}/copy")
def captured_copy(request: Request, session: DB, principal: Reader, detection_id: int) -> Response:
    """The captured body (image, audio, video) as the crawl stored it; ranges served."""
    capture = _capture_of(session, principal, detection_id)
    try:
        path = proof.captured_payload(capture, _media_cache(request))
    except proof.MediaUnavailableError as exc:
        raise NotVisible(str(exc)) from None
    return _file(path, (capture.media_type or "").split(";")[0] or None)


@router.get("/references/{reference_id}/file")
def reference_file(
    session: DB,
    principal: Annotated[Principal, Depends(requires("works.read"))],
    reference_id: int,
) -> Response:
    """A reference file as registered (ranges served, for the players)."""
    reference = one_visible(session, principal, "works.read", "reference", reference_id)
    try:
        return _file(proof.reference_path(reference), reference.media_type)
    except proof.MediaUnavailableError as exc:
        raise NotVisible(str(exc)) from None


def _marked(path: Path, boxes: list[tuple[float, float, float, float]]) -> Response:
    try:
        with Image.open(path) as opened:
            picture = opened.convert("RGB")
    except (UnidentifiedImageError, OSError):
        raise NotVisible("this evidence is not a picture") from None
    pen = ImageDraw.Draw(picture)
    width = max(2, round(min(picture.size) / 150))
    for x0, y0, x1, y1 in boxes:
        pen.rectangle(
            (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), outline=(230, 30, 30), width=width
        )
    out = io.BytesIO()
    picture.save(out, "PNG")
    return Response(out.getvalue(), media_type="image/png")


def _box(start: list[float], end: list[float]) -> tuple[float, float, float, float]:
    return (float(start[0]), float(start[1]), float(end[0]), float(end[1]))


@router.get("/detections/{detection_id}/marked/{side}")
def marked_picture(
    request: Request, session: DB, principal: Reader, detection_id: int, side: str
) -> Response:
    """The copy or the reference picture with the matched regions drawn on it."""
    found = proof.load_evidence(session, principal, detection_id)
    pixels = [s for s in found.segments if s.unit == "px" and len(s.query_start) == 2]
    try:
        if side == "copy":
            path = proof.captured_payload(found.capture, _media_cache(request))
            return _marked(path, [_box(s.query_start, s.query_end) for s in pixels])
        if side == "reference":
            one_visible(session, principal, "works.read", "reference", found.reference.id)
            path = proof.reference_path(found.reference)
            return _marked(path, [_box(s.reference_start, s.reference_end) for s in pixels])
    except proof.MediaUnavailableError as exc:
        raise NotVisible(str(exc)) from None
    raise NotVisible(f"no picture {side!r}; use copy or reference")
