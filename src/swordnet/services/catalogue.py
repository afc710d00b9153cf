"""Registering works: rights holders, works, reference files and their fingerprints."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import WorkKind
from swordnet.plugins import default_work_kind
from swordnet.services import audit
from swordnet.services.context import AppContext
from swordnet.services.fingerprinting import (
    FingerprintJob,
    FingerprintResult,
    fingerprint_failed,
    fingerprint_file,
)
from swordnet.services.indexes import IndexStore
from swordnet.services.inputs import (
    SIDECAR_SUFFIX,
    BatchItem,
    path_for_storage,
    readable_name,
)
from swordnet.storage import models
from swordnet.storage.rows import get_or_insert

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class RegisterOutcome:
    path: str
    work_id: int | None = None
    reference_id: int | None = None
    already_known: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WorkSpec:
    """What to register a file as; ``title`` None means "from the file name"."""

    title: str | None = None
    kind: WorkKind | None = None
    holder: str | None = None
    aliases: tuple[str, ...] = ()
    key_work: bool = False


def read_sidecar(path: Path) -> WorkSpec | None:
    """``chapter1.txt.json`` beside ``chapter1.txt`` overrides title, kind, holder..."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
        return WorkSpec(
            title=data.get("title"),
            kind=WorkKind(data["kind"]) if data.get("kind") else None,
            holder=data.get("holder"),
            aliases=tuple(data.get("aliases", ())),
            key_work=bool(data.get("key_work", False)),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise SwordNetError(f"{sidecar}: invalid sidecar: {exc}") from exc
    except OSError as exc:
        raise SwordNetError(f"{sidecar}: cannot read sidecar: {exc.strerror or exc}") from exc


def get_or_create_holder(session: Session, name: str) -> models.RightsHolder:
    """The holder named ``name``; parallel registrations of one holder share one row."""
    return get_or_insert(session, models.RightsHolder, {"name": name})


def register_files(
    container: AppContext,
    files: Iterable[Path],
    spec: WorkSpec | None = None,
    *,
    one_work: bool = False,
    actor: str = "cli",
    progress: Progress | None = None,
) -> list[RegisterOutcome]:
    """Fingerprint files and register them as references of works.

    With ``one_work`` every file becomes a reference of a single work (a film and its
    trailer); otherwise each file is its own work. A file whose content is already
    catalogued is not registered twice. Bad files are reported and the batch goes on.
    """
    paths = list(files)
    settings_json = container.settings.for_workers()
    jobs = [FingerprintJob(str(path), "reference", settings_json) for path in paths]
    results: Iterable[FingerprintResult]
    if len(jobs) > 2:
        results = container.executor.map_each(fingerprint_file, jobs, fingerprint_failed)
    else:
        results = map(fingerprint_file, jobs)

    outcomes: list[RegisterOutcome] = []
    shared_work: models.Work | None = None
    with container.sessions() as session:
        for path, result in zip(paths, results, strict=True):
            if progress is not None:
                progress(1)
            if result.error is not None:
                outcomes.append(RegisterOutcome(str(path), error=result.error))
                continue
            try:
                file_spec = read_sidecar(path) or spec or WorkSpec()
                with session.begin():
                    outcome, work = _store(
                        container, session, path, result, file_spec, shared_work, actor
                    )
                if one_work:
                    shared_work = work
                outcomes.append(outcome)
            except SwordNetError as exc:
                outcomes.append(RegisterOutcome(str(path), error=str(exc)))
            except SQLAlchemyError as exc:  # this file is not stored; the next may well be
                reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).splitlines()[0]
                error = f"{path}: not stored, the database refused it: {reason}"
                outcomes.append(RegisterOutcome(str(path), error=error))
        container.indexes.save()
    return outcomes


def register_batch(
    container: AppContext,
    items: Iterable[BatchItem],
    spec: WorkSpec | None = None,
    *,
    one_work: bool = False,
    actor: str = "cli",
    progress: Progress | None = None,
) -> list[RegisterOutcome]:
    """``register_files`` over a batch's items: one outcome per item, in order, refused
    items carrying their reason as the error."""
    items = list(items)
    registered = iter(
        register_files(
            container,
            [item.path for item in items if item.refusal is None],
            spec,
            one_work=one_work,
            actor=actor,
            progress=progress,
        )
    )
    return [
        next(registered)
        if item.refusal is None
        else RegisterOutcome(str(item.path), error=f"{item.path}: {item.refusal}")
        for item in items
    ]


def _store(
    container: AppContext,
    session: Session,
    path: Path,
    result: FingerprintResult,
    spec: WorkSpec,
    shared_work: models.Work | None,
    actor: str,
) -> tuple[RegisterOutcome, models.Work]:
    known = session.scalars(
        select(models.ReferenceFile).where(models.ReferenceFile.sha256 == result.sha256)
    ).first()
    if known is not None:
        return RegisterOutcome(str(path), known.work_id, known.id, already_known=True), known.work
    assert result.modality is not None
    work = shared_work
    if work is None:
        holder = get_or_create_holder(session, spec.holder) if spec.holder else None
        work = models.Work(
            title=spec.title or readable_name(path.stem),
            kind=spec.kind or WorkKind(default_work_kind(result.modality)),
            holder=holder,
            aliases=list(spec.aliases),
            key_work=spec.key_work,
        )
        session.add(work)
    else:
        work = session.merge(work)
    reference = models.ReferenceFile(
        work=work,
        path=path_for_storage(path),
        modality=result.modality,
        media_type=result.media_type,
        sha256=result.sha256,
        size_bytes=result.size,
        length=result.fingerprints[0].length if result.fingerprints else None,
    )
    session.add(reference)
    for fingerprint in result.fingerprints:
        reference.fingerprints.append(
            models.Fingerprint(
                signal=fingerprint.signal,
                version=fingerprint.version,
                payload=fingerprint.payload,
                length=fingerprint.length,
                unit=fingerprint.unit,
                meta=fingerprint.meta,
            )
        )
    session.flush()
    for fingerprint in result.fingerprints:
        container.indexes.add(session, reference.id, fingerprint)
    audit.record(
        session,
        actor,
        "work.reference_added",
        "reference_file",
        reference.id,
        work_id=work.id,
        title=work.title,
        sha256=result.sha256,
    )
    return RegisterOutcome(str(path), work.id, reference.id), work


def remove_work(
    sessions: sessionmaker[Session], indexes: IndexStore, work_id: int, *, actor: str = "cli"
) -> None:
    """Remove a work, its references and their fingerprints, from the indexes too."""
    with sessions() as session, session.begin():
        work = session.get(models.Work, work_id)
        if work is None:
            raise SwordNetError(f"no work with id {work_id}")
        for reference in work.references:
            indexes.remove(session, reference.id)
        audit.record(session, actor, "work.removed", "work", work_id, title=work.title)
        session.delete(work)
    indexes.save()


@dataclass(frozen=True, slots=True)
class WorkSummary:
    id: int
    title: str
    kind: WorkKind
    holder: str | None
    references: int


def list_works(sessions: sessionmaker[Session]) -> list[WorkSummary]:
    """Every catalogued work with its number of reference files, oldest first."""
    query = (
        select(models.Work, func.count(models.ReferenceFile.id))
        .outerjoin(models.ReferenceFile)
        .group_by(models.Work.id)
        .order_by(models.Work.id)
    )
    with sessions() as session:
        return [
            WorkSummary(
                work.id,
                work.title,
                work.kind,
                work.holder.name if work.holder else None,
                references,
            )
            for work, references in session.execute(query)
        ]


def add_reference(
    container: AppContext, work_id: int, path: Path, *, actor: str
) -> RegisterOutcome:
    """Fingerprint one file and add it to the work ``work_id`` as a reference file.

    A bad file is reported in the outcome's ``error`` and nothing is stored; a file whose
    content is catalogued already is not stored twice (``already_known``)."""
    job = FingerprintJob(str(path), "reference", container.settings.for_workers())
    result = fingerprint_file(job)
    if result.error is not None:
        return RegisterOutcome(str(path), work_id, error=result.error)
    with container.sessions() as session:
        with session.begin():
            work = session.get(models.Work, work_id)
            if work is None:
                raise SwordNetError(f"no work with id {work_id}")
            outcome, _ = _store(container, session, path, result, WorkSpec(), work, actor)
        if not outcome.already_known:
            container.indexes.save()
    return outcome
