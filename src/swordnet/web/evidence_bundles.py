"""The download of an evidence bundle, shared by the pages and the API: the caller's
right to see the row is checked first (``one_visible``: a row out of scope is a 404),
then the bundle is written to a temporary file, sent, and deleted.

Exporting writes to the ledger (the bundle's leaf and a fresh checkpoint), so the read
transaction of the request is ended before it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from swordnet.services import bundles
from swordnet.services.access import Principal, one_visible

ZIP = "application/zip"
# the OpenAPI answer of a bundle download: a binary ZIP
BUNDLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The evidence bundle (ZIP); see docs/evidence-bundles.md.",
        "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
    }
}

_EXPORTERS = {
    "detection": ("detections.read", bundles.export_detection_bundle),
    "notice": ("notices.read", bundles.export_notice_bundle),
    "case": ("cases.read", bundles.export_case_bundle),
}


def bundle_download(
    request: Request, session: Session, principal: Principal, kind: str, subject_id: int
) -> FileResponse:
    action, exporter = _EXPORTERS[kind]
    one_visible(session, principal, action, kind, subject_id)
    session.rollback()  # no read transaction held open while the export writes
    directory = Path(tempfile.mkdtemp(prefix="swordnet-bundle-"))
    path = directory / f"evidence-{kind}-{subject_id}.zip"
    try:
        exporter(request.app.state.container, subject_id, path)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=ZIP,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )
