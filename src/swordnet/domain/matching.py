"""What a match is: which part of which reference appears where in a query."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# what a segment is measured in: declared by its signal type (``SignalType.units``),
# for example "char", "s" or "px"
Unit = str


@dataclass(frozen=True, slots=True)
class Segment:
    """A copied stretch: ``query`` and ``reference`` are (start, end) in ``unit``.

    For images the start and end are box corners ``(x0, y0)`` and ``(x1, y1)``.
    """

    query: tuple[Any, Any]
    reference: tuple[Any, Any]
    unit: Unit

    def to_json(self) -> dict[str, Any]:
        return {"query": list(self.query), "reference": list(self.reference), "unit": self.unit}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        def point(value: Any) -> Any:
            return tuple(value) if isinstance(value, list) else value

        q0, q1 = data["query"]
        r0, r1 = data["reference"]
        return cls((point(q0), point(q1)), (point(r0), point(r1)), data["unit"])


@dataclass(frozen=True, slots=True)
class IndexHit:
    """One reference an index found in a query, with the evidence of the match."""

    ref_id: int
    score: float
    segments: tuple[Segment, ...]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    """An index hit resolved to the work it belongs to."""

    query: str
    modality: str  # as the signal type declares it
    signal: str
    work_id: int
    work_title: str
    reference_id: int
    reference: str
    score: float
    segments: tuple[Segment, ...]
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "work_id": self.work_id,
            "work_title": self.work_title,
            "reference": self.reference,
            "modality": self.modality,
            "score": round(float(self.score), 6),
            "segments": [segment.to_json() for segment in self.segments],
            # the signal's proof: shares of reference and query copied, tier, inliers...
            "details": dict(self.details),
        }
