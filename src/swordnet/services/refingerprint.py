"""Fingerprint catalogued references again after a signal type changed.

A signal type's ``version`` changes when its fingerprints change meaning (another
normalisation, other hashes). Indexes hold only fingerprints of the current version, so a
reference fingerprinted by an older one is not matched until it is fingerprinted again
from its file. This finds those references, re-reads each file (refusing one whose
content no longer has the catalogued SHA-256: the evidence must stay the same file),
and replaces the outdated fingerprints. A file that cannot be read is reported and the
rest go on. With ``everything`` every reference is redone, which also adds fingerprints
of signal types installed since it was registered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from swordnet.plugins.signals import Fingerprint
from swordnet.services import audit
from swordnet.services.context import AppContext
from swordnet.services.fingerprinting import (
    FingerprintJob,
    FingerprintResult,
    fingerprint_failed,
    fingerprint_file,
)
from swordnet.services.inputs import path_from_storage
from swordnet.storage import models

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefingerprintOutcome:
    reference_id: int
    path: str
    updated: tuple[str, ...] = ()  # signals whose fingerprint was replaced or added
    error: str | None = None


def outdated_reference_ids(session: Session, versions: dict[str, int]) -> list[int]:
    """References holding a fingerprint of an installed signal at another version."""
    if not versions:
        return []
    stale = or_(
        *(
            and_(models.Fingerprint.signal == name, models.Fingerprint.version != version)
            for name, version in versions.items()
        )
    )
    query = select(models.Fingerprint.reference_id).where(stale).distinct()
    return sorted(session.scalars(query))


def refingerprint(
    container: AppContext,
    *,
    everything: bool = False,
    actor: str = "cli",
    progress: Callable[[int], None] | None = None,
) -> list[RefingerprintOutcome]:
    versions = {name: signal.version for name, signal in container.signals.items()}
    with container.sessions() as session:
        if everything:
            ids = sorted(session.scalars(select(models.ReferenceFile.id)))
        else:
            ids = outdated_reference_ids(session, versions)
        references = [(i, session.get_one(models.ReferenceFile, i)) for i in ids]
        paths = {i: (reference.path, reference.sha256) for i, reference in references}
    settings_json = container.settings.for_workers()
    jobs = [
        FingerprintJob(str(path_from_storage(paths[i][0])), "reference", settings_json) for i in ids
    ]
    results: Iterable[FingerprintResult] = (
        container.executor.map_each(fingerprint_file, jobs, fingerprint_failed)
        if len(jobs) > 2
        else map(fingerprint_file, jobs)
    )
    outcomes = []
    with container.sessions() as session:
        with session.begin():  # load and reconcile the indexes before any row changes
            for name in container.signals:
                container.indexes.get(session, name)
        for ref_id, result in zip(ids, results, strict=True):
            if progress is not None:
                progress(1)
            path, sha256 = paths[ref_id]
            if result.error is not None:
                outcomes.append(RefingerprintOutcome(ref_id, path, error=result.error))
            elif result.sha256 != sha256:
                error = f"{path}: the file changed since it was catalogued (SHA-256 differs)"
                outcomes.append(RefingerprintOutcome(ref_id, path, error=error))
            else:
                with session.begin():
                    updated = _replace(container, session, ref_id, result.fingerprints, actor)
                outcomes.append(RefingerprintOutcome(ref_id, path, updated))
        container.indexes.save()
    return outcomes


def _replace(
    container: AppContext,
    session: Session,
    ref_id: int,
    fingerprints: tuple[Fingerprint, ...],
    actor: str,
) -> tuple[str, ...]:
    stored = {
        row.signal: row
        for row in session.scalars(
            select(models.Fingerprint).where(models.Fingerprint.reference_id == ref_id)
        )
    }
    updated = []
    for fingerprint in fingerprints:
        row = stored.get(fingerprint.signal)
        if (
            row is not None
            and row.version == fingerprint.version
            and not _differs(row, fingerprint)
        ):
            continue
        if row is None:
            row = models.Fingerprint(reference_id=ref_id, signal=fingerprint.signal)
            session.add(row)
        row.version = fingerprint.version
        row.payload = fingerprint.payload
        row.length = fingerprint.length
        row.unit = fingerprint.unit
        row.meta = dict(fingerprint.meta)
        index = container.indexes.get(session, fingerprint.signal)
        if ref_id in index.ref_ids():
            index.remove(ref_id)
        container.indexes.add(session, ref_id, fingerprint)
        updated.append(fingerprint.signal)
    if updated:
        session.flush()
        audit.record(
            session, actor, "work.reference_refingerprinted", "reference_file", ref_id,
            signals=sorted(updated),
        )  # fmt: skip
    return tuple(sorted(updated))


def _differs(row: models.Fingerprint, fingerprint: Fingerprint) -> bool:
    return bytes(row.payload) != fingerprint.payload
