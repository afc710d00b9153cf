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
from dataclasses import dataclass

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
) -> list[AlignedSegment]:
    """Segments of one reference in one query, from its frame matches, best first.

    ``step_s`` is the query's sampling interval: a segment's ends are the first and last
    matched frames widened by half a step, the expected distance to the true cut.
    """
    params = params or AlignParams()
    q = np.asarray(query_times, dtype=np.float64)
    r = np.asarray(ref_times, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    alive = np.ones(len(q), dtype=bool)
    segments: list[AlignedSegment] = []
    while alive.sum() >= params.min_frames and len(segments) < params.max_segments:
        found = _strongest_line(q[alive], r[alive], w[alive], params)
        if found is None:
            break
        speed, offset = found
        on_line = alive & (np.abs(r - (speed * q + offset)) <= params.tolerance_s)
        speed, offset = _refit(q[on_line], r[on_line], w[on_line], speed)
        on_line = alive & (np.abs(r - (speed * q + offset)) <= params.tolerance_s)
        new = _runs(q, w, on_line, speed, offset, step_s, params)
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
    best: tuple[float, float, float] | None = None
    width = params.offset_bin_s
    # Speeds nearest 1 first: a still shot votes equally for many speeds, and then the
    # untouched speed is the likeliest.
    for speed in sorted(params.speeds, key=lambda value: abs(value - 1.0)):
        offsets = r - speed * q
        low = math.floor(offsets.min() / width)
        bins = np.floor(offsets / width).astype(np.int64) - low
        weights = _one_vote_per_query_frame(q, w, bins)
        votes = np.asarray(np.bincount(bins, weights=weights), dtype=np.float64)
        if len(votes) >= 2:  # a line sitting on a bin edge counts in both bins
            votes = votes + np.concatenate([votes[1:], [0.0]])
        votes = votes * (1.0 - params.speed_prior * abs(speed - 1.0))
        cell = int(np.argmax(votes))
        if best is None or votes[cell] > best[0] + 1e-9:
            in_cell = (bins == cell) | (bins == cell + 1)
            best = (float(votes[cell]), speed, float(np.median(offsets[in_cell])))
    if best is None or best[0] < params.min_evidence:
        return None
    return best[1], best[2]


def _one_vote_per_query_frame(
    q: FloatArray, w: FloatArray, bins: npt.NDArray[np.int64]
) -> FloatArray:
    """A query frame that matches a still shot many times still votes once per offset."""
    keys = np.round(q * 1000).astype(np.int64) * (1 << 20) + bins
    _, first = np.unique(keys, return_index=True)
    kept = np.zeros(len(q), dtype=np.float64)
    kept[first] = w[first]
    return kept


def _refit(q: FloatArray, r: FloatArray, w: FloatArray, speed: float) -> tuple[float, float]:
    """Fine speed and offset: the line through the most weight within a tight tolerance.

    A least-squares fit would follow the smear of still shots and the scatter of sparse
    local matches; counting points near each candidate line does not.
    """
    best = (-1.0, speed, float(np.median(r - speed * q)))
    for step in sorted(np.arange(-0.05, 0.0501, 0.005).tolist(), key=abs):
        candidate = speed + step
        offsets = r - candidate * q
        offset = float(np.median(offsets))
        for _ in range(2):
            near = np.abs(offsets - offset) <= _TIGHT_S
            if not near.any():
                break
            offset = float(np.median(offsets[near]))
        closeness = np.clip(1.0 - np.abs(offsets - offset) / _TIGHT_S, 0.0, None)
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
    step_s: float,
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
        q0 = max(0.0, float(run_times[0]) - step_s / 2)
        q1 = float(run_times[-1]) + step_s / 2
        span_frames = max(1.0, (q1 - q0) / step_s)
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
