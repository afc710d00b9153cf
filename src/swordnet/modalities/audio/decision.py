"""What the witnesses said about one candidate alignment, and the decision taken on it.

The index gathers the evidence (``Assessment``: peak counts against chance, band-envelope
lifts, the reference's peaks in the query's peak map) and this module alone turns it into
a number; keeping the two apart lets the benchmark record every candidate's evidence and
set the decision on held-out calibration data (docs/audio.md, "Decide and score").
"""

from __future__ import annotations

from dataclasses import dataclass

from swordnet.modalities.audio.params import AudioMatchParams, Candidate
from swordnet.modalities.audio.verify import Verdict

PEAKS_ONLY_Z = 10.0  # payloads without envelopes: a stricter peak strength stands in


@dataclass(frozen=True, slots=True)
class Assessment:
    """One candidate alignment, verified: everything the decision may look at."""

    candidate: Candidate
    verdict: Verdict
    query_peaks: int
    has_envelopes: bool  # both sides carry band envelopes (the verdict's lifts are set)
    has_peak_map: bool = False  # the query carries one (the verdict's reverse z is set)

    @property
    def peak_strength(self) -> float:
        """Peak z, capped by the weaker half of the query: a copy matches all along."""
        return min(self.verdict.z, 3.0 * self.verdict.z_halves)

    @property
    def share(self) -> float:
        """Share of the query's peaks that land on the reference beyond chance."""
        return (self.verdict.matched - self.verdict.null_mean) / max(self.query_peaks, 1)


def required_evidence(assessment: Assessment, params: AudioMatchParams) -> float:
    """The evidence a match needs: less for the query as it is than for the scale grid.

    The grid tries 28 more ways to align every query, so unrelated music reaches higher
    evidence through it by chance; each pass has its bar, set on held-out calibration
    negatives (docs/audio.md).
    """
    candidate = assessment.candidate
    as_is = candidate.time_scale == 1.0 and candidate.pitch_shift == 0.0
    return params.min_evidence_plain if as_is else params.min_evidence


def evidence(assessment: Assessment, params: AudioMatchParams) -> float:
    """The candidate's evidence; a match needs ``required_evidence``."""
    strength = assessment.peak_strength
    # The query kept the reference's phase: only a copy of this recording does that.
    phased = params.min_evidence_plain * assessment.verdict.phase_excess / params.min_phase
    if not assessment.has_envelopes:
        return max(strength * params.min_evidence / PEAKS_ONLY_Z, phased)
    verdict = assessment.verdict
    witnessed = strength + params.reverse_weight * max(verdict.reverse_z, 0.0)
    lift = max(verdict.envelope_lift, verdict.weighted_lift, 0.0)
    found = witnessed * lift**3
    # Peaks alone settle it when a large share of the query's peaks land on the reference
    # (steady loops and drones give envelopes nothing to follow), and the reference's peaks
    # stand out in the query (a figure two tracks share matches the query's peaks only).
    seen_from_reference = not assessment.has_peak_map or (
        verdict.reverse_z >= params.min_share_reverse_z
    )
    if strength >= PEAKS_ONLY_Z and seen_from_reference:
        found = max(found, params.min_evidence * assessment.share / params.min_share)
    return max(found, phased)
