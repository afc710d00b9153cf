"""Query the indexes with fingerprints and resolve hits to works."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.domain.matching import IndexHit, Match
from swordnet.plugins.signals import Fingerprint
from swordnet.services.context import AppContext
from swordnet.storage import models


def find_matches(
    container: AppContext, session: Session, query: str, fingerprints: Iterable[Fingerprint]
) -> list[Match]:
    """Every catalogued reference found in the query, best first, one per reference."""
    hits: list[tuple[str, IndexHit]] = []
    for fingerprint in fingerprints:
        if fingerprint.signal in container.signals:
            index = container.indexes.get(session, fingerprint.signal)
            hits.extend((fingerprint.signal, hit) for hit in index.query(fingerprint))
    return resolve_hits(container, session, query, hits)


def resolve_hits(
    container: AppContext, session: Session, query: str, hits: Iterable[tuple[str, IndexHit]]
) -> list[Match]:
    """Turn index hits (signal name, hit) into matches on catalogued works."""
    hits = list(hits)
    if not hits:
        return []
    references = {
        reference.id: reference
        for reference in session.scalars(
            select(models.ReferenceFile).where(
                models.ReferenceFile.id.in_({hit.ref_id for _, hit in hits})
            )
        )
    }
    found: dict[int, Match] = {}
    floors = container.settings.min_match_score
    for signal_name, hit in hits:
        reference = references.get(hit.ref_id)
        signal = container.signals.get(signal_name)
        if reference is None or signal is None:
            continue  # removed from the catalogue since the index was loaded
        if hit.score < floors.get(signal_name, 0.0):
            continue  # below the signal's operating point: a candidate, not a match
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
