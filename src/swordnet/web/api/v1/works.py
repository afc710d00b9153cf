"""Works and their reference files: list, open, register, upload a reference file
(fingerprinted before the answer; a file that cannot be is refused with the reason)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import WorkKind
from swordnet.services import work_registry
from swordnet.services.access import Principal, visible
from swordnet.storage import models
from swordnet.web.api.common import Page, PageQuery, idempotent, paginate, request_body
from swordnet.web.deps import DB, requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/works", tags=["works"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(requires("works.read"))]
Writer = Annotated[Principal, Depends(requires("works.write"))]


class WorkCreate(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    kind: WorkKind
    aliases: list[str] = Field(default_factory=list, max_length=50)
    holder_id: int | None = Field(
        default=None, description="Ignored for a rights holder: its works are its own."
    )
    key_work: bool = False


class WorkPublic(BaseModel):
    id: int
    title: str
    kind: WorkKind
    holder_id: int | None
    aliases: list[str]
    key_work: bool
    created_at: datetime


class ReferencePublic(BaseModel):
    id: int
    work_id: int
    name: str
    modality: str
    media_type: str | None
    sha256: str
    size_bytes: int
    length: float | None
    signals: list[str] = Field(description="The signals that fingerprinted it.")


class WorkDetailPublic(WorkPublic):
    references: list[ReferencePublic]


class UploadPublic(BaseModel):
    reference: ReferencePublic
    already_known: bool = Field(description="The same content was catalogued already.")


def to_public(work: models.Work) -> WorkPublic:
    return WorkPublic(
        id=work.id,
        title=work.title,
        kind=work.kind,
        holder_id=work.holder_id,
        aliases=list(work.aliases or []),
        key_work=work.key_work,
        created_at=work.created_at,
    )


def _references(session: DB, work_id: int) -> list[ReferencePublic]:
    return [
        ReferencePublic(
            id=r.id,
            work_id=work_id,
            name=r.name,
            modality=r.modality,
            media_type=r.media_type,
            sha256=r.sha256,
            size_bytes=r.size_bytes,
            length=r.length,
            signals=r.signals,
        )
        for r in work_registry.references_of(session, work_id)
    ]


@router.get("", response_model=Page[WorkPublic], summary="Works, newest first")
def list_works(
    request: Request, session: DB, principal: Reader, page: Annotated[PageQuery, Depends()]
) -> Page[WorkPublic]:
    stmt = visible(select(models.Work), principal, "works.read", "work")
    return paginate(session, request, stmt, models.Work.id, page, to_public)


@router.post("", status_code=201, response_model=WorkPublic, summary="Register a work")
def create_work(
    request: Request,
    principal: Writer,
    body: WorkCreate,
    raw: Annotated[bytes, Depends(request_body)],
) -> JSONResponse:
    sessions = request.app.state.container.sessions

    def create() -> tuple[int, WorkPublic]:
        with sessions() as session, session.begin():
            draft = work_registry.WorkDraft(
                title=body.title,
                kind=body.kind,
                aliases=tuple(body.aliases),
                holder_id=body.holder_id,
                key_work=body.key_work,
            )
            work_id = work_registry.create_work(session, principal, draft)
            return 201, to_public(session.get_one(models.Work, work_id))

    return idempotent(sessions, principal, request, raw, create)


@router.get("/{work_id}", response_model=WorkDetailPublic, summary="A work and its references")
def get_work(session: DB, principal: Reader, work_id: int) -> WorkDetailPublic:
    work = work_registry.open_work(session, principal, work_id, "works.read")
    return WorkDetailPublic(
        **to_public(work).model_dump(), references=_references(session, work_id)
    )


@router.post(
    "/{work_id}/references",
    status_code=201,
    response_model=UploadPublic,
    summary="Upload a reference file (multipart, field `file`)",
)
def upload_reference(
    request: Request,
    session: DB,
    principal: Writer,
    work_id: int,
    file: Annotated[UploadFile, File()],
) -> UploadPublic:
    """Fingerprinted before the answer; a file that cannot be is refused (400) with the
    reason, and nothing is stored for it."""
    work_registry.open_work(session, principal, work_id, "works.write")
    session.rollback()
    container = request.app.state.container
    home = Path(container.settings.home)
    upload, path = work_registry.receive_upload(
        home, work_id, file.filename, file.file, max_bytes=container.settings.web.max_upload_bytes
    )
    done = work_registry.fingerprint_upload(container, upload, path, principal.username)
    if done.state != "done" or done.reference_id is None:
        work_registry.forget_failed_upload(home, work_id, upload.job)
        raise SwordNetError(done.error or "the file could not be fingerprinted")
    reference = next(r for r in _references(session, work_id) if r.id == done.reference_id)
    return UploadPublic(reference=reference, already_known=done.already_known)
