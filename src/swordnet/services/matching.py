"""Query the indexes with fingerprints and resolve hits to works."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.bootstrap import Container
from swordnet.domain.matching import Match
from swordnet.plugins.signals import Fingerprint
from swordnet.storage import models


def find_matches(
    container: Container, session: Session, query: str, fingerprints: Iterable[Fingerprint]
) -> list[Match]:
    """Every catalogued reference found in the query, best first, one per reference."""
    found: dict[int, Match] = {}
    for fingerprint in fingerprints:
        signal = container.signals.get(fingerprint.signal)
        if signal is None:
            continue
        hits = container.indexes.get(session, fingerprint.signal).query(fingerprint)
        if not hits:
            continue
        references = {
            reference.id: reference
            for reference in session.scalars(
                select(models.ReferenceFile).where(
                    models.ReferenceFile.id.in_([hit.ref_id for hit in hits])
                )
            )
        }
        for hit in hits:
            reference = references.get(hit.ref_id)
            if reference is None:
                continue  # removed from the catalogue since the index was loaded
            previous = found.get(hit.ref_id)
            if previous is not None and previous.score >= hit.score:
                continue
            found[hit.ref_id] = Match(
                query=query,
                modality=signal.modality,
                signal=signal.name,
                work_id=reference.work_id,
                work_title=reference.work.title,
                reference_id=reference.id,
                reference=reference.path,
                score=hit.score,
                segments=hit.segments,
                details=dict(hit.details),
            )
    return sorted(found.values(), key=lambda match: (-match.score, match.work_id))
