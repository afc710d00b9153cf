"""Title matching against the catalogue: listings, share links and the like name a work
instead of copying it, so they are matched by title and alias (``services.titles``).

Their matches are a kind of evidence of their own (``title``), not text similarity: they
are stored with modality ``text`` (the modality column holds the four media kinds) and
signal ``title``, which is what auto-confirmation and notices go by
(``domain.enforcement.evidence_kind``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from swordnet.domain.enforcement import TITLE_EVIDENCE, TITLE_MODALITY
from swordnet.domain.matching import Match
from swordnet.services.titles import TitleMatcher
from swordnet.storage import models

TITLE_SIGNAL = TITLE_EVIDENCE


@dataclass
class CatalogueTitles:
    matcher: TitleMatcher
    titles: dict[int, str]

    @classmethod
    def load(cls, session: Session, threshold: float = 90.0) -> CatalogueTitles:
        works = [
            (work_id, title, list(aliases or []))
            for work_id, title, aliases in session.execute(
                select(models.Work.id, models.Work.title, models.Work.aliases)
            )
        ]
        return cls(TitleMatcher(works, threshold), {work_id: title for work_id, title, _ in works})

    def find(self, session: Session, url: str, text: str, kind: str) -> list[Match]:
        """Works the text names. A detection needs a reference: the work's first file."""
        found = self.matcher.match(text)
        if not found:
            return []
        references: dict[int, int] = {
            work_id: reference_id
            for work_id, reference_id in session.execute(
                select(models.ReferenceFile.work_id, func.min(models.ReferenceFile.id))
                .where(models.ReferenceFile.work_id.in_([m.work_id for m in found]))
                .group_by(models.ReferenceFile.work_id)
            )
        }
        paths: dict[int, str] = {
            reference_id: path
            for reference_id, path in session.execute(
                select(models.ReferenceFile.id, models.ReferenceFile.path).where(
                    models.ReferenceFile.id.in_(references.values())
                )
            )
        }
        return [
            Match(
                query=url,
                modality=TITLE_MODALITY,
                signal=TITLE_SIGNAL,
                work_id=match.work_id,
                work_title=self.titles[match.work_id],
                reference_id=references[match.work_id],
                reference=paths[references[match.work_id]],
                score=match.score / 100.0,
                segments=(),
                details={"matched_alias": match.matched_alias, "kind": kind, "text": text},
            )
            for match in found
            if match.work_id in references
        ]
