"""Evidence bundle downloads linked from the detection, notice and case pages (the
bundle's contents: docs/evidence-bundles.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from swordnet.services.access import Principal
from swordnet.web.deps import DB, requires
from swordnet.web.evidence_bundles import bundle_download

router = APIRouter()


@router.get("/detections/{detection_id}/evidence-bundle")
def detection_bundle(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("detections.read"))],
    detection_id: int,
) -> FileResponse:
    return bundle_download(request, session, principal, "detection", detection_id)


@router.get("/notices/{notice_id}/evidence-bundle")
def notice_bundle(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    notice_id: int,
) -> FileResponse:
    return bundle_download(request, session, principal, "notice", notice_id)


@router.get("/cases/{case_id}/evidence-bundle")
def case_bundle(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("cases.read"))],
    case_id: int,
) -> FileResponse:
    return bundle_download(request, session, principal, "case", case_id)
