"""Works as officers and rights holders keep them in the browser and through the API:
listed and opened within the caller's scope, registered, given reference files.

An upload is kept under ``<home>/uploads/work-<id>/<job>/`` with a ``status.json`` beside
the file (queued, fingerprinting, done or failed with the reason), and fingerprinted in
the background; the file stays where it is, as the reference's stored path. A file that
cannot be fingerprinted is reported on the work's page and nothing is stored for it.
Because the state is in files, every web worker process sees the same progress.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import Role, WorkKind
from swordnet.services import audit
from swordnet.services.access import NotVisible, Principal, one_visible, visible
from swordnet.services.catalogue import add_reference, get_or_create_holder
from swordnet.services.context import AppContext
from swordnet.storage import models

log = logging.getLogger(__name__)
_SAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class WorkDraft:
    title: str
    kind: WorkKind
    aliases: tuple[str, ...] = ()
    holder_id: int | None = None
    holder_name: str | None = None
    key_work: bool = False


@dataclass(frozen=True, slots=True)
class WorkRow:
    id: int
    title: str
    kind: WorkKind
    holder: str | None
    holder_id: int | None
    key_work: bool
    aliases: list[str]
    references: int


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    id: int
    path: str
    name: str
    modality: str
    media_type: str | None
    sha256: str
    size_bytes: int
    length: float | None
    signals: list[str] = field(default_factory=list)  # fingerprinted by


def works_query(principal: Principal, *, search: str | None = None) -> Select[Any]:
    """The works the principal may see, with their number of reference files."""
    refs = (
        select(func.count(models.ReferenceFile.id))
        .where(models.ReferenceFile.work_id == models.Work.id)
        .correlate(models.Work)
        .scalar_subquery()
    )
    stmt = select(models.Work, models.RightsHolder.name, refs).outerjoin(
        models.RightsHolder, models.RightsHolder.id == models.Work.holder_id
    )
    if search:
        stmt = stmt.where(models.Work.title.contains(search.strip()))
    return visible(stmt, principal, "works.read", "work")


def work_rows(session: Session, stmt: Select[Any]) -> list[WorkRow]:
    return [
        WorkRow(
            work.id,
            work.title,
            work.kind,
            holder,
            work.holder_id,
            work.key_work,
            list(work.aliases or []),
            count,
        )
        for work, holder, count in session.execute(stmt)
    ]


def list_works(
    session: Session,
    principal: Principal,
    *,
    search: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> tuple[list[WorkRow], int | None]:
    """A page of works, newest first, and the id to continue after (or None)."""
    stmt = works_query(principal, search=search)
    if after is not None:
        stmt = stmt.where(models.Work.id < after)
    rows = work_rows(session, stmt.order_by(models.Work.id.desc()).limit(limit + 1))
    following = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], following


def open_work(session: Session, principal: Principal, work_id: int, action: str) -> models.Work:
    work: models.Work = one_visible(session, principal, action, "work", work_id)
    return work


def references_of(session: Session, work_id: int) -> list[ReferenceRow]:
    """The work's reference files and the signals that fingerprinted each (two queries)."""
    references = list(
        session.scalars(
            select(models.ReferenceFile)
            .where(models.ReferenceFile.work_id == work_id)
            .order_by(models.ReferenceFile.id)
        )
    )
    signals: dict[int, list[str]] = {}
    for reference_id, signal in session.execute(
        select(models.Fingerprint.reference_id, models.Fingerprint.signal).where(
            models.Fingerprint.reference_id.in_([r.id for r in references])
        )
    ):
        signals.setdefault(reference_id, []).append(signal)
    return [
        ReferenceRow(
            r.id,
            r.path,
            Path(r.path).name,
            r.modality,
            r.media_type,
            r.sha256,
            r.size_bytes,
            r.length,
            sorted(signals.get(r.id, [])),
        )
        for r in references
    ]


def create_work(session: Session, principal: Principal, draft: WorkDraft) -> int:
    """Register a work; a rights holder registers its own. The caller commits."""
    title = draft.title.strip()
    if not title:
        raise SwordNetError("a work needs a title")
    holder_id = draft.holder_id
    if principal.role is Role.RIGHTS_HOLDER:
        holder_id = principal.holder_id  # its own works only, whatever the form said
    elif holder_id is None and draft.holder_name and draft.holder_name.strip():
        holder_id = get_or_create_holder(session, draft.holder_name.strip()).id
    if holder_id is not None and session.get(models.RightsHolder, holder_id) is None:
        raise SwordNetError(f"no rights holder with id {holder_id}")
    work = models.Work(
        title=title,
        kind=draft.kind,
        holder_id=holder_id,
        aliases=[a.strip() for a in draft.aliases if a.strip()],
        key_work=draft.key_work,
    )
    session.add(work)
    session.flush()
    audit.record(
        session,
        principal.username,
        "work.added",
        "work",
        work.id,
        title=title,
        holder_id=holder_id,
        key_work=draft.key_work,
    )
    return work.id


# --- uploads --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upload:
    job: str
    work_id: int
    filename: str
    state: str  # queued, fingerprinting, done, failed
    error: str | None = None
    reference_id: int | None = None
    already_known: bool = False


def uploads_dir(home: Path, work_id: int) -> Path:
    return home / "uploads" / f"work-{work_id}"


def _write_status(folder: Path, status: dict[str, Any]) -> None:
    temporary = folder / "status.json.part"
    temporary.write_text(json.dumps(status), encoding="utf-8")
    temporary.replace(folder / "status.json")


def _read_status(folder: Path) -> Upload | None:
    try:
        data = json.loads((folder / "status.json").read_text(encoding="utf-8"))
        return Upload(**data)
    except (OSError, ValueError, TypeError):
        return None


def safe_filename(name: str | None) -> str:
    base = Path(name or "upload").name
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "upload"
    return cleaned[:120]


def receive_upload(
    home: Path, work_id: int, filename: str | None, body: BinaryIO, *, max_bytes: int
) -> tuple[Upload, Path]:
    """Keep an uploaded file (streamed to disk, at most ``max_bytes``) as a queued job."""
    job = uuid.uuid4().hex[:12]
    folder = uploads_dir(home, work_id) / job
    folder.mkdir(parents=True)
    name = safe_filename(filename)
    target = folder / name
    written = 0
    with target.open("wb") as out:
        while chunk := body.read(1 << 16):
            written += len(chunk)
            if written > max_bytes:
                out.close()
                target.unlink()
                folder.rmdir()
                raise SwordNetError(f"the file is larger than {max_bytes} bytes")
            out.write(chunk)
    if written == 0:
        target.unlink()
        folder.rmdir()
        raise SwordNetError("the file is empty")
    upload = Upload(job, work_id, name, "queued")
    _write_status(folder, _as_dict(upload))
    return upload, target


def _as_dict(upload: Upload) -> dict[str, Any]:
    return {
        "job": upload.job,
        "work_id": upload.work_id,
        "filename": upload.filename,
        "state": upload.state,
        "error": upload.error,
        "reference_id": upload.reference_id,
        "already_known": upload.already_known,
    }


def fingerprint_upload(container: AppContext, upload: Upload, path: Path, actor: str) -> Upload:
    """Fingerprint a kept upload and store it as a reference; the outcome is its status."""
    folder = path.parent
    _write_status(folder, _as_dict(_with(upload, state="fingerprinting")))
    try:
        outcome = add_reference(container, upload.work_id, path, actor=actor)
    except SwordNetError as exc:
        done = _with(upload, state="failed", error=str(exc))
    except Exception as exc:  # a defect: logged, reported on the page, not lost
        log.exception("fingerprinting upload %s failed", upload.job)
        done = _with(upload, state="failed", error=f"internal error: {type(exc).__name__}")
    else:
        if outcome.error is not None:
            done = _with(upload, state="failed", error=_without_path(outcome.error, path))
        else:
            done = _with(
                upload,
                state="done",
                reference_id=outcome.reference_id,
                already_known=outcome.already_known,
            )
    _write_status(folder, _as_dict(done))
    return done


def _without_path(error: str, path: Path) -> str:
    """The reason, naming the file as uploaded rather than where it is kept."""
    return error.replace(str(path), path.name)


def _with(upload: Upload, **changes: Any) -> Upload:
    return Upload(**{**_as_dict(upload), **changes})


def start_fingerprinting(
    container: AppContext,
    upload: Upload,
    path: Path,
    actor: str,
    *,
    on_done: Callable[[Upload], None] | None = None,
) -> threading.Thread:
    """Fingerprint in a background thread; the page polls the status."""

    def run() -> None:
        done = fingerprint_upload(container, upload, path, actor)
        if on_done is not None:
            on_done(done)

    thread = threading.Thread(target=run, name=f"upload-{upload.job}", daemon=True)
    thread.start()
    return thread


def list_uploads(home: Path, work_id: int) -> list[Upload]:
    """The work's uploads that are still running or failed (done ones are references)."""
    folder = uploads_dir(home, work_id)
    if not folder.is_dir():
        return []
    found = [_read_status(job) for job in sorted(folder.iterdir()) if job.is_dir()]
    return [u for u in found if u is not None and u.state != "done"]


def forget_failed_upload(home: Path, work_id: int, job: str) -> None:
    """Remove a failed upload's file and status (the person has read the reason)."""
    folder = uploads_dir(home, work_id) / safe_filename(job)
    status = _read_status(folder)
    if status is None or status.state != "failed":
        raise NotVisible(f"no failed upload {job}")
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()


def holders_for_choice(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    with sessions() as session:
        return [
            (h.id, h.name)
            for h in session.scalars(select(models.RightsHolder).order_by(models.RightsHolder.name))
        ]
