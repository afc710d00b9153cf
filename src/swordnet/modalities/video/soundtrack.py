"""Where, second by second, a query's soundtrack follows a reference's.

The audio index answers with the best-verified window of a match, whose ends are only as
fine as its 30-second windows: next to an unrelated clip, or to another work in a
compilation, they overshoot. Given the alignment the audio index found (offset, time scale,
pitch shift), this counts, in each second of the query, the spectral peaks that land on a
reference peak; the seconds where well over chance do so form the copied stretch.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from swordnet.modalities.audio.landmarks import FRAME_SECONDS, Peaks

WINDOW_S = 1.0
MIN_HITS = 3  # peaks landing on the reference in a second (chance gives under one)
MIN_SHARE = 0.2  # of the window's query peaks


def _keys(
    frames: npt.NDArray[np.int64], pitch_bins: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    return frames * 4096 + pitch_bins


def matched_extent(
    query: Peaks,
    reference: Peaks,
    *,
    query_range: tuple[float, float],
    reference_start: float,
    time_scale: float,
    pitch_shift: float,
) -> tuple[float, float] | None:
    """The query seconds around ``query_range`` whose peaks follow the alignment, or None."""
    if len(query) == 0 or len(reference) == 0:
        return None
    offset = reference_start / FRAME_SECONDS - time_scale * query_range[0] / FRAME_SECONDS
    mapped = np.round(query.frames.astype(np.float64) * time_scale + offset).astype(np.int64)
    pitch = np.round((query.pitches.astype(np.float64) + pitch_shift) * 2).astype(np.int64)
    ref_keys = np.unique(
        _keys(
            reference.frames.astype(np.int64),
            np.round(reference.pitches.astype(np.float64) * 2).astype(np.int64),
        )
    )
    hit = np.zeros(len(query), dtype=bool)
    for frame_step in (-1, 0, 1):
        for pitch_step in (-1, 0, 1):
            hit |= np.isin(_keys(mapped + frame_step, pitch + pitch_step), ref_keys)
    seconds = query.frames.astype(np.float64) * FRAME_SECONDS
    last = float(seconds.max()) + 1.0
    starts = np.arange(0.0, last, 1.0)
    slots = np.searchsorted(seconds, starts)
    ends = np.searchsorted(seconds, starts + WINDOW_S)
    cumulative = np.concatenate([[0], np.cumsum(hit)])
    hits = cumulative[ends] - cumulative[slots]
    peaks = ends - slots
    present = (hits >= MIN_HITS) & (hits >= MIN_SHARE * np.maximum(peaks, 1))
    return _run_around(starts, present, query_range)


def _run_around(
    starts: npt.NDArray[np.float64], present: npt.NDArray[np.bool_], core: tuple[float, float]
) -> tuple[float, float] | None:
    best: tuple[float, float] | None = None
    best_overlap = 0.0
    position = 0
    while position < len(present):
        if not present[position]:
            position += 1
            continue
        end = position
        while end + 1 < len(present) and present[end + 1]:
            end += 1
        run = (float(starts[position]), float(starts[end]) + WINDOW_S)
        overlap = min(run[1], core[1]) - max(run[0], core[0])
        if overlap > best_overlap:
            best, best_overlap = run, overlap
        position = end + 1
    return best
