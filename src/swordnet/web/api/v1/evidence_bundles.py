"""Evidence bundles through the API: one ZIP per detection, notice or case, with the
standalone verifier inside (docs/evidence-bundles.md). Each download records the bundle
in the evidence ledger and signs a fresh checkpoint over it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from swordnet.services.access import Principal
from swordnet.web.deps import DB, requires
from swordnet.web.evidence_bundles import BUNDLE_RESPONSES
from swordnet.web.evidence_bundles import bundle_download as _download
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(responses=PROBLEM_RESPONSES)


@router.get(
    "/detections/{detection_id}/evidence-bundle",
    tags=["detections"],
    response_class=FileResponse,
    responses=BUNDLE_RESPONSES,
)
def detection_evidence_bundle(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("detections.read"))],
    detection_id: int,
) -> FileResponse:
    """The detection's evidence bundle (ZIP): its capture's WARC record and screenshot,
    its ledger leaves with inclusion proofs, the signed checkpoint, the verifier."""
    return _download(request, session, principal, "detection", detection_id)


@router.get(
    "/notices/{notice_id}/evidence-bundle",
    tags=["notices"],
    response_class=FileResponse,
    responses=BUNDLE_RESPONSES,
)
def notice_evidence_bundle(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    notice_id: int,
) -> FileResponse:
    """The notice's evidence bundle (ZIP): the notice as sent, re-check verdicts, and the
    evidence of every detection it names."""
    return _download(request, session, principal, "notice", notice_id)


@router.get(
    "/cases/{case_id}/evidence-bundle",
    tags=["cases"],
    response_class=FileResponse,
    responses=BUNDLE_RESPONSES,
)
def case_evidence_bundle(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("cases.read"))],
    case_id: int,
) -> FileResponse:
    """The case's evidence bundle (ZIP): every case event, detection, capture and notice
    gathered, with what proves each."""
    return _download(request, session, principal, "case", case_id)
