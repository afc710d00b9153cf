"""The query's peak map: a third witness that reads the query from the reference's side.

Peak verification counts the *query's* strongest peaks that land on reference peaks. In 0 dB
white or babble noise many of the query's strongest peaks are noise, so the music's own
peaks are missing from that count although they are still there: additive noise raises the
floor of every bin, yet a tonal peak still stands out above its neighbourhood in its own
bins. The peak map keeps that for the query: for every frame and quarter semitone, how far
the spectrogram stands above its local mean (the same prominence peaks are picked by). At a
candidate's alignment the reference's peaks are looked up in the map, and their mean
prominence is compared with the same mean at deliberately wrong offsets (the null), as a z.
Only queries carry a map; references keep their small payload.
"""

from __future__ import annotations

from functools import cache

import cv2
import numba
import numpy as np
from numpy.typing import NDArray

from swordnet.modalities.audio.decode import ANALYSIS_RATE
from swordnet.modalities.audio.landmarks import one_opencv_thread

COLUMNS_PER_SEMITONE = 4
_STEPS_PER_DB = 4  # stored as uint8 in quarter decibels, 0 to 63.75 dB above the local mean
_MIN_LOOKUPS = 8  # fewer reference peaks in the window than this say nothing
_MIN_SPREAD_DB = 0.1  # floor of the null's spread, so that a flat null cannot make a huge z
# Wrong offsets for the null, in frames (as in verify.py: one bar of repetition cannot fill it).
_NULL_SHIFTS = np.array(
    [-251, -197, -163, -131, -97, -71, -53, -37, 37, 53, 71, 97, 131, 163, 197, 251], float
)

PeakMap = NDArray[np.uint8]
_SPREAD = np.ones((3, 3), np.uint8)


def peak_map(
    prominence: NDArray[np.float32], *, first_bin: int, n_fft: int, floor_hz: float
) -> PeakMap:
    """(frames, columns) prominence, from the (frames, bins) prominence of the peak picker.

    Column ``c`` is the pitch ``c / 4`` semitones above ``floor_hz``; it holds the largest
    prominence within one frame and one bin of the bins it covers (peaks wander that much
    between analyses), or the nearest bin's where bins are wider than a column.
    """
    if prominence.shape[0] == 0:
        return np.zeros((0, 0), np.uint8)
    # scipy.ndimage.maximum_filter(size=3, mode="nearest"), as OpenCV's dilation: 10x faster.
    with one_opencv_thread():
        spread = np.asarray(cv2.dilate(prominence, _SPREAD, borderType=cv2.BORDER_REPLICATE))
    gather = _column_bins(prominence.shape[1], first_bin, n_fft, floor_hz)
    found: PeakMap = np.clip(spread[:, gather].max(axis=2) * _STEPS_PER_DB, 0, 255).astype(np.uint8)
    return found


@numba.njit(cache=True, nogil=True)
def _mean_prominence(
    query_map: PeakMap,
    reference_frames: NDArray[np.int32],
    reference_pitches: NDArray[np.float32],
    starts: NDArray[np.float64],
    time_scale: float,
    pitch_shift: float,
    first_frame: int,
    last: int,
) -> NDArray[np.float64]:
    """For each alignment start: the mean map value (dB) under the reference's peaks that
    fall on query frames ``first_frame..last``; NaN where fewer than ``_MIN_LOOKUPS`` do.
    Compiled (numba): as numpy steps, 17 starts cost more in calls than in work."""
    frames, columns = query_map.shape
    means = np.full(starts.size, np.nan)
    for index in range(starts.size):
        start = starts[index]
        i0 = np.searchsorted(reference_frames, start + time_scale * first_frame)
        i1 = np.searchsorted(reference_frames, start + time_scale * last)
        if i1 - i0 < _MIN_LOOKUPS:
            continue
        total, looked = 0.0, 0
        for i in range(i0, i1):
            row = np.int64(np.rint((reference_frames[i] - start) / time_scale))
            column = np.int64(
                np.rint((np.float64(reference_pitches[i]) - pitch_shift) * COLUMNS_PER_SEMITONE)
            )
            if 0 <= row < frames and 0 <= column < columns:
                total += query_map[row, column]
                looked += 1
        if looked >= _MIN_LOOKUPS:
            means[index] = total / looked / _STEPS_PER_DB
    return means


@cache
def _column_bins(n_bins: int, first_bin: int, n_fft: int, floor_hz: float) -> NDArray[np.int64]:
    """(columns, width): the bins whose largest value each column of the map takes (its
    last bin repeated to the common width), or the nearest bin where bins are wider."""
    bins = first_bin + np.arange(n_bins)
    top_hz = bins[-1] * ANALYSIS_RATE / n_fft
    columns = int(np.floor(12.0 * np.log2(top_hz / floor_hz) * COLUMNS_PER_SEMITONE))
    edges_hz = floor_hz * 2.0 ** ((np.arange(columns + 1) - 0.5) / (12.0 * COLUMNS_PER_SEMITONE))
    edges = edges_hz * n_fft / ANALYSIS_RATE - first_bin
    lows = np.clip(np.ceil(edges[:-1]).astype(np.int64), 0, n_bins - 1)
    highs = np.clip(np.floor(edges[1:]).astype(np.int64), 0, n_bins - 1)
    centres = np.clip(np.rint((edges[:-1] + edges[1:]) / 2).astype(np.int64), 0, n_bins - 1)
    narrow = highs < lows
    lows[narrow] = highs[narrow] = centres[narrow]
    width = int((highs - lows).max()) + 1
    found: NDArray[np.int64] = np.minimum(lows[:, None] + np.arange(width)[None, :], highs[:, None])
    return found


def reverse_z(
    query_map: PeakMap,
    reference_frames: NDArray[np.int32],
    reference_pitches: NDArray[np.float32],
    *,
    offset: float,
    time_scale: float,
    pitch_shift: float,
    first_frame: int = 0,
    last_frame: int | None = None,
) -> float:
    """z of the reference peaks' mean prominence in the query map, aligned vs wrong offsets.

    The alignment is ``ref_frame = offset + time_scale * query_frame`` and ``ref_pitch =
    query_pitch + pitch_shift``; only query frames ``first_frame..last_frame`` are used.
    """
    frames = query_map.shape[0]
    last = frames - 1 if last_frame is None else min(last_frame, frames - 1)
    if frames == 0 or last - first_frame < 8:
        return 0.0
    starts = offset + np.concatenate([[0.0], _NULL_SHIFTS])
    means = _mean_prominence(
        query_map,
        reference_frames,
        reference_pitches,
        starts,
        time_scale,
        pitch_shift,
        first_frame,
        last,
    )
    null = means[1:][~np.isnan(means[1:])]
    if np.isnan(means[0]) or null.size < _NULL_SHIFTS.size // 2:
        return 0.0
    return float((means[0] - np.median(null)) / max(float(null.std()), _MIN_SPREAD_DB))
