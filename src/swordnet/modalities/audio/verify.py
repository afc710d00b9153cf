"""Check a voted candidate peak by peak, against chance, before calling it a match.

Hash votes need *both* peaks of a pair to survive and to be paired the same way; in 0 dB
noise few do. Verification only needs single peaks: it counts the query's peaks that land on
a reference peak once the candidate's alignment (offset, time scale, pitch shift) is applied,
and compares that count with the counts at deliberately wrong offsets (the null). Repetitive
music lifts the null for true matches too, which costs recall, never precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from swordnet.modalities.audio.landmarks import Peaks

TIME_TOLERANCE = 1.0  # frames
PITCH_TOLERANCE = 0.5  # semitones
# Wrong offsets for the null, in frames: spread so that one bar of repetition cannot fill it.
_NULL_SHIFTS = np.array(
    [-251, -197, -163, -131, -97, -71, -53, -37, 37, 53, 71, 97, 131, 163, 197, 251]
)

_NEAR_SHIFTS = np.array([-12, -8, -5, 5, 8, 12])


_QUICK_NULL_SHIFTS = np.array([-163, -97, -53, 53, 97, 163])
# The vote quantised the offset: the best of the five nearest frames is the alignment.
_LOCAL_SHIFTS = np.array([0.0, -1.0, 1.0, -2.0, 2.0])


def _mapped(query: Peaks, time_scale: float, pitch_shift: float) -> tuple[np.ndarray, np.ndarray]:
    """The query's peak frames and pitches under the alignment's time scale and shift."""
    return (
        query.frames.astype(np.float64) * time_scale,
        query.pitches.astype(np.float64) + pitch_shift,
    )


def quick_excess(
    query: Peaks, reference: Peaks, *, offset: float, time_scale: float, pitch_shift: float
) -> float:
    """Query peaks landing on the reference at the alignment, less their mean at six wrong
    offsets: a cheap first look that ranks many voted cells before the few are verified."""
    if len(query) == 0 or len(reference) == 0:
        return 0.0
    frames, pitches = _mapped(query, time_scale, pitch_shift)
    offsets = offset + np.concatenate([_LOCAL_SHIFTS, _QUICK_NULL_SHIFTS])
    counts = _count_hits(frames, pitches, reference, offsets).sum(axis=1)
    local = _LOCAL_SHIFTS.size
    return float(counts[:local].max() - counts[local:].mean())


@dataclass(frozen=True, slots=True)
class Verdict:
    z: float
    matched: int
    null_mean: float
    near_null: float
    query_start_frame: float
    query_end_frame: float
    offset: float
    z_halves: float = 0.0  # the weaker half of the query, scored on its own
    z_near: float = 0.0  # against offsets 5-12 frames off: sustained sound lifts these
    envelope_lift: float = 0.0
    weighted_lift: float = 0.0
    reverse_z: float = 0.0  # the reference's peaks in the query's peak map (peakmap.py)
    phase_coherence: float = 0.0  # the query keeps the reference's phase (phase.py)
    phase_null: float = 0.0  # ... the same at wrong offsets (median)

    @property
    def phase_excess(self) -> float:
        return self.phase_coherence - self.phase_null


def _count_hits(
    query_frames: np.ndarray,
    query_pitches: np.ndarray,
    reference: Peaks,
    offsets: np.ndarray,
) -> np.ndarray:
    """(offsets, query peaks): does each query peak hit a reference peak at each offset?

    Sparse: each shifted query peak only meets the few reference peaks within one frame of
    it (found by binary search), never the whole reference.
    """
    lo = float(query_frames.min() + offsets.min() - 2)
    hi = float(query_frames.max() + offsets.max() + 2)
    start, stop = np.searchsorted(reference.frames, [lo, hi])
    hits: np.ndarray = _hits(
        query_frames,
        query_pitches,
        reference.frames[start:stop].astype(np.float64),
        reference.pitches[start:stop].astype(np.float64),
        offsets.astype(np.float64),
    )
    return hits


@numba.njit(cache=True, nogil=True)
def _hits(
    query_frames: np.ndarray,
    query_pitches: np.ndarray,
    ref_frames: np.ndarray,
    ref_pitches: np.ndarray,
    offsets: np.ndarray,
) -> np.ndarray:
    """``_count_hits`` on the stretch of reference it can reach, compiled (numba): verifying
    a candidate asks this for about 25 offsets, and numpy's passes over such small arrays
    cost more in calls than in work."""
    hits = np.zeros((offsets.size, query_frames.size), np.bool_)
    for i in range(offsets.size):
        first = 0  # the first reference peak not before the query peak's window
        for j in range(query_frames.size):
            shifted = offsets[i] + query_frames[j]
            if j > 0 and query_frames[j] < query_frames[j - 1]:
                first = 0  # peaks come sorted by frame; if not, walk from the start
            while first < ref_frames.size and ref_frames[first] < shifted - TIME_TOLERANCE:
                first += 1
            r = first
            while r < ref_frames.size and ref_frames[r] <= shifted + TIME_TOLERANCE:
                if abs(ref_pitches[r] - query_pitches[j]) <= PITCH_TOLERANCE:
                    hits[i, j] = True
                    break
                r += 1
    return hits


def _z(matched: float, null: float) -> float:
    # Poisson spread, floored so that a near-empty null cannot make a few hits look huge.
    return (matched - null) / max(float(np.sqrt(null)), 1.5)


def _best_local(
    frames: np.ndarray, pitches: np.ndarray, reference: Peaks, offset: float
) -> tuple[float, int]:
    """The best of the offsets next to ``offset`` and the query peaks matched there."""
    local = offset + _LOCAL_SHIFTS
    counts = _count_hits(frames, pitches, reference, local).sum(axis=1)
    best = int(np.argmax(counts))
    return float(local[best]), int(counts[best])


def matched_peaks(
    query: Peaks, reference: Peaks, *, offset: float, time_scale: float, pitch_shift: float
) -> int:
    """Query peaks landing on the reference at the alignment (``Verdict.matched``, without
    the null): enough to choose between nearby alignments before verifying one."""
    if len(query) == 0 or len(reference) == 0:
        return 0
    return _best_local(*_mapped(query, time_scale, pitch_shift), reference, offset)[1]


def verify_alignment(
    query: Peaks, reference: Peaks, *, offset: float, time_scale: float, pitch_shift: float
) -> Verdict:
    """Score the alignment ``ref_frame = offset + time_scale * query_frame`` (and pitch)."""
    if len(query) == 0 or len(reference) == 0:
        return Verdict(0.0, 0, 0.0, 0.0, 0.0, 0.0, offset)
    frames, pitches = _mapped(query, time_scale, pitch_shift)
    best, _ = _best_local(frames, pitches, reference, offset)
    offsets = np.concatenate([[best], best + _NULL_SHIFTS, best + _NEAR_SHIFTS])
    hits = _count_hits(frames, pitches, reference, offsets)
    far = slice(1, 1 + _NULL_SHIFTS.size)
    counts = hits.sum(axis=1)
    matched = int(counts[0])
    # The median ignores the few wrong offsets that land on a repeat of the same bar.
    null = float(np.median(counts[far]))
    near = float(np.mean(counts[1 + _NULL_SHIFTS.size :]))
    # A copy matches all along; a shared sample or one held chord matches in one place.
    late = query.frames >= np.median(query.frames)
    halves = [hits[:, late].sum(axis=1), hits[:, ~late].sum(axis=1)]
    z_halves = min(_z(float(h[0]), float(np.median(h[far]))) for h in halves)
    hit_frames = query.frames[hits[0]]
    span = (float(hit_frames.min()), float(hit_frames.max())) if hit_frames.size else (0.0, 0.0)
    return Verdict(
        _z(matched, null),
        matched,
        null,
        near,
        *span,
        best,
        z_halves=z_halves,
        z_near=_z(matched, near),
    )
