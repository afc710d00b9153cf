"""Temporal alignment: which stretch of the query shows which stretch of a reference.

Frame matches are points (query time, reference time). A copied stretch played at speed
``s`` puts its points on a line ``r = s * q + b``. For every speed of a small grid each
match votes for its offset ``b``; the strongest (speed, offset) cell wins, its points are
refitted (the finer speed whose line passes nearest most points), split where the query
has long gaps, and the stretches with enough evidence become segments. Their query
seconds are then taken out of the vote and the search repeats, so a compilation that
holds several parts of one reference gives several segments. Chance matches scatter over
offsets and rarely line up three times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class AlignParams:
    speeds: tuple[float, ...] = tuple(round(0.8 + 0.025 * i, 3) for i in range(19))  # 0.8-1.25
    speed_prior: float = 0.5  # a vote at speed 0.9 counts 5% less than at 1.0
    offset_bin_s: float = 1.0
    tolerance_s: float = 1.6  # a point this close to the line belongs to it
    max_gap_s: float = 8.0  # a longer run of unmatched query seconds ends a segment
    min_frames: int = 3
    min_evidence: float = 1.8  # sum of frame weights (each 0.5-1.0) of a segment
    evidence_scale: float = 4.0  # evidence that takes the score to 1 - 1/e of the way
    max_segments: int = 32


@dataclass(frozen=True, slots=True)
class AlignedSegment:
    query: tuple[float, float]
    reference: tuple[float, float]
    speed: float
    score: float
    frames: int
    evidence: float


def align_matches(
    query_times: FloatArray,
    ref_times: FloatArray,
    weights: FloatArray,
    *,
    step_s: float,
    params: AlignParams | None = None,
    sampled: FloatArray | None = None,
    cuts: npt.NDArray[np.bool_] | None = None,
    slack: FloatArray | None = None,
    support: tuple[FloatArray, FloatArray, FloatArray] | None = None,
) -> list[AlignedSegment]:
    """Segments of one reference in one query, from its frame matches, best first.

    ``step_s`` is the query's sampling interval, ``sampled`` the times of all its sampled
    frames and ``cuts`` which of them open a shot. A segment ends between its last matched
    frame and the next sampled one: at that one if it opens a shot (a copy cut in at a
    shot change), else halfway, at most half a step on; likewise at its start.
    ``slack`` is per match how far its reference time may be off: a frame matched to a
    reference frame sampled only every few seconds (local features) may lie anywhere
    between its neighbours. ``support`` holds all of the query's matches of this reference
    (query time, reference time, slack), the weaker ones too: a segment grows over the
    sampled frames next to its ends that have any match on its line (the last frames of a
    still shot match their neighbours about as well as the right one).
    """
    params = params or AlignParams()
    frames = _SampledFrames.of(sampled, cuts, step_s, support)
    q = np.asarray(query_times, dtype=np.float64)
    r = np.asarray(ref_times, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    loose = np.zeros(len(q)) if slack is None else np.asarray(slack, dtype=np.float64)
    alive = np.ones(len(q), dtype=bool)
    segments: list[AlignedSegment] = []
    while alive.sum() >= params.min_frames and len(segments) < params.max_segments:
        found = _strongest_line(*_spread(q[alive], r[alive], w[alive], loose[alive]), params)
        if found is None:
            break
        speed, offset = found
        near = params.tolerance_s + loose
        on_line = alive & (np.abs(r - (speed * q + offset)) <= near)
        speed, offset = _refit(q[on_line], r[on_line], w[on_line], loose[on_line], speed)
        on_line = alive & (np.abs(r - (speed * q + offset)) <= near)
        new = _runs(q, w, on_line, speed, offset, frames, params)
        if not new:
            alive &= ~on_line  # a line too weak to keep: stop it from winning again
            continue
        segments.extend(new)
        for segment in new:
            inside = (q >= segment.query[0] - step_s) & (q <= segment.query[1] + step_s)
            alive &= ~inside
    return sorted(segments, key=lambda s: -s.score)


def _strongest_line(
    q: FloatArray, r: FloatArray, w: FloatArray, params: AlignParams
) -> tuple[float, float] | None:
    best: tuple[float, float, float, float] | None = None
    width = params.offset_bin_s
    # Speeds nearest 1 first: a still shot votes equally for many speeds, and then the
    # untouched speed is the likeliest.
    for speed in sorted(params.speeds, key=lambda value: abs(value - 1.0)):
        offsets = r - speed * q
        low = math.floor(offsets.min() / width)
        bins = np.floor(offsets / width).astype(np.int64) - low
        weights = _one_vote_per_query_frame(q, w, bins)
        votes = _pair_bins(np.bincount(bins, weights=weights))
        # A frame of a still shot votes for every offset along the shot: its votes are
        # shared out, so that the frames that pin one offset choose the line.
        shared = _pair_bins(np.bincount(bins, weights=weights / _bins_per_frame(q, weights)))
        shared = shared * (1.0 - params.speed_prior * abs(speed - 1.0))
        cell = int(np.argmax(shared))
        if best is None or shared[cell] > best[0] + 1e-9:
            in_cell = (bins == cell) | (bins == cell + 1)
            best = (float(shared[cell]), speed, float(np.median(offsets[in_cell])), votes[cell])
    if best is None or best[3] < params.min_evidence:
        return None
    return best[1], best[2]


def _pair_bins(counts: npt.NDArray[np.generic]) -> FloatArray:
    """A line sitting on a bin edge counts in both bins."""
    votes: FloatArray = np.asarray(counts, dtype=np.float64)
    if len(votes) < 2:
        return votes
    paired: FloatArray = votes + np.concatenate([votes[1:], [0.0]])
    return paired


def _bins_per_frame(q: FloatArray, kept: FloatArray) -> FloatArray:
    """For each point, how many offsets its query frame votes for (at least 1)."""
    frames, inverse = np.unique(np.round(q * 1000).astype(np.int64), return_inverse=True)
    counts = np.bincount(inverse, weights=(kept > 0).astype(np.float64), minlength=len(frames))
    per_point: FloatArray = np.maximum(counts[inverse], 1.0)
    return per_point


def _one_vote_per_query_frame(
    q: FloatArray, w: FloatArray, bins: npt.NDArray[np.int64]
) -> FloatArray:
    """A query frame that matches a still shot many times still votes once per offset."""
    keys = np.round(q * 1000).astype(np.int64) * (1 << 20) + bins
    _, first = np.unique(keys, return_index=True)
    kept = np.zeros(len(q), dtype=np.float64)
    kept[first] = w[first]
    return kept


def _spread(
    q: FloatArray, r: FloatArray, w: FloatArray, loose: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A loosely placed match votes at every whole second of its slack."""
    if not loose.any():
        return q, r, w
    reach = np.floor(loose).astype(np.int64)
    copies = 2 * reach + 1
    shifts = np.concatenate([np.arange(-k, k + 1) for k in reach.tolist()]).astype(np.float64)
    return np.repeat(q, copies), np.repeat(r, copies) + shifts, np.repeat(w, copies)


def _refit(
    q: FloatArray, r: FloatArray, w: FloatArray, loose: FloatArray, speed: float
) -> tuple[float, float]:
    """Fine speed and offset: the line through the most weight within a tight tolerance.

    A least-squares fit would follow the smear of still shots and the scatter of sparse
    local matches; counting points near each candidate line does not.
    """
    best = (-1.0, speed, float(np.median(r - speed * q)))
    w = w / _bins_per_frame(q, np.ones_like(w))  # a still shot's frames share their weight
    for step in sorted(np.arange(-0.05, 0.0501, 0.005).tolist(), key=abs):
        candidate = speed + step
        offsets = r - candidate * q
        offset = float(np.median(offsets))
        for _ in range(2):
            near = np.abs(offsets - offset) <= _TIGHT_S + loose
            if not near.any():
                break
            offset = float(np.median(offsets[near]))
        off = np.maximum(np.abs(offsets - offset) - loose, 0.0)
        closeness = np.clip(1.0 - off / _TIGHT_S, 0.0, None)
        # The same mild prior for untouched speed as in the vote: few, scattered points
        # (sparse local matches of a crop) must not tilt the line on their own.
        support = float((w * closeness).sum()) * (1.0 - abs(candidate - 1.0))
        if support > best[0] + 1e-9:
            best = (support, candidate, offset)
    return best[1], best[2]


_TIGHT_S = 0.6


def _runs(
    q: FloatArray,
    w: FloatArray,
    on_line: npt.NDArray[np.bool_],
    speed: float,
    offset: float,
    frames: _SampledFrames,
    params: AlignParams,
) -> list[AlignedSegment]:
    times = q[on_line]
    weights = w[on_line]
    order = np.argsort(times, kind="stable")
    times, weights = times[order], weights[order]
    # One weight per query frame: the best of its matches on this line.
    unique_times, starts = np.unique(times, return_index=True)
    best = np.maximum.reduceat(weights, starts) if len(weights) else weights
    breaks = np.flatnonzero(np.diff(unique_times) > params.max_gap_s) + 1
    segments: list[AlignedSegment] = []
    for run_times, run_weights in zip(
        np.split(unique_times, breaks), np.split(best, breaks), strict=True
    ):
        evidence = float(run_weights.sum())
        if len(run_times) < params.min_frames or evidence < params.min_evidence:
            continue
        first, last = frames.widen(
            float(run_times[0]), float(run_times[-1]), speed, offset, params.tolerance_s
        )
        q0, q1 = frames.bounds(first, last)
        q0 = _not_before_reference(q0, q1, speed, offset)
        span_frames = max(1.0, (q1 - q0) / frames.step_s)
        coverage = min(1.0, len(run_times) / span_frames)
        strength = 1.0 - math.exp(-evidence / params.evidence_scale)
        score = strength * (0.6 + 0.4 * coverage)
        r0 = max(0.0, speed * q0 + offset)
        r1 = speed * q1 + offset
        segments.append(
            AlignedSegment(
                query=(round(q0, 3), round(q1, 3)),
                reference=(round(r0, 3), round(r1, 3)),
                speed=round(speed, 4),
                score=round(min(1.0, score), 6),
                frames=len(run_times),
                evidence=round(evidence, 3),
            )
        )
    return segments


@dataclass(frozen=True, slots=True)
class _SampledFrames:
    times: FloatArray
    cuts: npt.NDArray[np.bool_]
    step_s: float
    support: tuple[FloatArray, FloatArray, FloatArray] | None

    @classmethod
    def of(
        cls,
        times: FloatArray | None,
        cuts: npt.NDArray[np.bool_] | None,
        step_s: float,
        support: tuple[FloatArray, FloatArray, FloatArray] | None = None,
    ) -> _SampledFrames:
        array = np.sort(np.asarray(times if times is not None else [], dtype=np.float64))
        flags = np.zeros(len(array), dtype=bool)
        if cuts is not None and times is not None and len(cuts) == len(array):
            flags = np.asarray(cuts, dtype=bool)[np.argsort(np.asarray(times), kind="stable")]
        return cls(array, flags, step_s, support)

    def widen(
        self, first: float, last: float, speed: float, offset: float, tolerance: float
    ) -> tuple[float, float]:
        """The run's first and last frames, moved out over neighbours matching on its line."""
        if self.support is None:
            return first, last
        at = int(np.searchsorted(self.times, first))
        while 0 < at <= len(self.times) and self._on_line(
            float(self.times[at - 1]), speed, offset, tolerance
        ):
            at -= 1
            first = float(self.times[at])
        at = int(np.searchsorted(self.times, last, side="right"))
        while at < len(self.times) and self._on_line(
            float(self.times[at]), speed, offset, tolerance
        ):
            last = float(self.times[at])
            at += 1
        return first, last

    def _on_line(self, time_s: float, speed: float, offset: float, tolerance: float) -> bool:
        assert self.support is not None
        q, r, loose = self.support
        mine = np.abs(q - time_s) < 1e-3
        return bool(np.any(np.abs(r[mine] - (speed * time_s + offset)) <= tolerance + loose[mine]))

    def bounds(self, first: float, last: float) -> tuple[float, float]:
        half = self.step_s / 2
        start, end = max(0.0, first - half), last + half
        at = int(np.searchsorted(self.times, first))
        if at < len(self.times) and abs(self.times[at] - first) < 1e-3:
            if self.cuts[at]:
                start = first
            elif at > 0:
                start = max(start, (self.times[at - 1] + first) / 2)
        at = int(np.searchsorted(self.times, last))
        if at < len(self.times) and abs(self.times[at] - last) < 1e-3 and at + 1 < len(self.times):
            after = float(self.times[at + 1])
            end = after if self.cuts[at + 1] else min(end, (last + after) / 2)
        return float(start), float(end)


def refine_offset(
    segment: AlignedSegment,
    query_times: FloatArray,
    ref_times: FloatArray,
    distances: FloatArray,
    *,
    ref_step_s: float = 1.0,
) -> AlignedSegment:
    """The segment's reference range placed between sampled frames, not on them.

    Both sides are sampled about once a second, so the frames a query frame matches are up
    to half a second off its true reference time. Where it matches two neighbouring
    reference frames, its distances to them (PDQ bits, which grow with the time between
    two frames of a moving shot) place it between them; the median of those placements
    over the segment's frames is its offset.
    """
    q0, q1 = segment.query
    offset = segment.reference[1] - segment.speed * q1
    inside = (query_times >= q0) & (query_times <= q1)
    placed: list[float] = []
    for time_s in np.unique(query_times[inside]).tolist():
        mine = query_times == time_s
        r, d = ref_times[mine], distances[mine]
        near = np.abs(r - (segment.speed * time_s + offset)) <= 1.5 * ref_step_s
        if near.sum() < 2:
            continue
        r, d = r[near], d[near]
        best = int(np.argmin(d))
        others = (np.abs(r - r[best]) > 1e-3) & (np.abs(r - r[best]) <= 1.5 * ref_step_s)
        if not others.any():
            continue
        partner = int(np.flatnonzero(others)[np.argmin(d[others])])
        share = d[best] / max(d[best] + d[partner], 1e-9)
        placed.append(r[best] + (r[partner] - r[best]) * share - segment.speed * time_s)
    if len(placed) < _MIN_PLACED:
        return segment
    refined = float(np.median(placed))
    if abs(refined - offset) > ref_step_s:
        return segment
    q0 = _not_before_reference(q0, q1, segment.speed, refined)
    r0 = max(0.0, segment.speed * q0 + refined)
    return replace(
        segment,
        query=(round(q0, 3), q1),
        reference=(round(r0, 3), round(segment.speed * q1 + refined, 3)),
    )


_MIN_PLACED = 3


def _not_before_reference(q0: float, q1: float, speed: float, offset: float) -> float:
    """A copy cannot start before its reference does: the query start where it begins."""
    if speed * q0 + offset >= 0.0 or speed <= 0:
        return q0
    return float(min(q1, -offset / speed))
