"""Spectral peaks ("landmarks") and the peak-pair hashes built from them.

Peaks are kept as (frame, pitch) with pitch in fractional semitones above ``PITCH_FLOOR_HZ``.
On that log-frequency axis a pitch shift is a translation and a speed or tempo change is a
scaling of time, so a query can be "undone" by moving its peaks instead of re-analysing the
audio (see ``hash_pairs``'s ``time_scale`` and ``pitch_shift``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import cv2
import numba
import numpy as np
import scipy.fft
from numpy.typing import NDArray

from swordnet.modalities.audio.decode import ANALYSIS_RATE

if TYPE_CHECKING:
    from swordnet.modalities.audio.phase import PhasePoints, QueryPhases

N_FFT = 1024  # 128 ms at 8 kHz: 7.8 Hz bins, fine enough to place peaks within a semitone
HOP = 256  # 32 ms per frame
FRAME_SECONDS = HOP / ANALYSIS_RATE
PITCH_FLOOR_HZ = 200.0  # below this, bass is too coarse in frequency and phones cut it anyway
PITCH_CEILING_HZ = 3800.0
_PEAK_NEIGHBOURHOOD = np.ones((7, 15), np.uint8)  # a peak is the highest of 7 frames x 15 bins
_BLOCK_FRAMES = 256  # STFT frames transformed at a time
SILENCE_DB = -75.0  # a peak quieter than this (re full scale) is dither, not music

# Hash layout: anchor pitch (1 semitone), pitch step (half semitone), time step (frames).
MAX_DT = 40  # frames: pairs span at most 1.28 s
MAX_STEP_SEMITONES = 12.0
_DT_BITS = 6
_STEP_BITS = 6
_ANCHOR_BITS = 6
HASH_BITS = _DT_BITS + _STEP_BITS + _ANCHOR_BITS
_STEP_BIAS = int(MAX_STEP_SEMITONES * 2)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Peaks:
    """Spectral peaks sorted by frame: ``frames`` (int) and ``pitches`` (semitones)."""

    frames: NDArray[np.int32]
    pitches: NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.frames.size)

    @classmethod
    def empty(cls) -> Peaks:
        return cls(np.zeros(0, np.int32), np.zeros(0, np.float32))


def _log_spectrogram(pcm: FloatArray) -> FloatArray:
    return _spectrogram(pcm, with_phase=False)[0]


def _spectrogram(pcm: FloatArray, *, with_phase: bool) -> tuple[FloatArray, NDArray[np.uint8]]:
    """dB spectrogram (frames, bins) and, if asked, the phase of the band's bins (see
    ``_band_bins``, plus the guard bin either side) in sixteenths of a turn (a query's
    phases, ``phase.QUERY_STEPS``), referred to each frame's centre (so that a steady tone
    has one phase in the bins around it)."""
    low, high = _band_bins()
    phases = np.zeros((0, high - low + 3), np.uint8)
    if pcm.size < N_FFT:
        return np.zeros((0, N_FFT // 2 + 1), np.float32), phases
    frames = np.lib.stride_tricks.sliding_window_view(pcm, N_FFT)[::HOP]
    window = np.hanning(N_FFT).astype(np.float32)
    # dB relative to a full-scale sine through this window.
    scale = np.float32(1.0 / (float(window.sum()) / 2.0) ** 2)
    result = np.empty((frames.shape[0], N_FFT // 2 + 1), np.float32)
    if with_phase:
        phases = np.empty((frames.shape[0], high - low + 3), np.uint8)
        # Moving the time origin from the frame's start to its centre (N_FFT / 2 samples)
        # turns bin k by pi k: half a turn on odd bins.
        centre = ((np.arange(low - 1, high + 2) % 2) * (_SIXTEENTHS // 2)).astype(np.uint8)
    # In blocks that stay in cache, and in single precision (scipy keeps float32, numpy
    # would not): together about three times faster than one pass over the whole signal.
    for start in range(0, frames.shape[0], _BLOCK_FRAMES):
        spectrum = scipy.fft.rfft(frames[start : start + _BLOCK_FRAMES] * window, axis=1)
        if with_phase:
            band = spectrum[:, low - 1 : high + 2]
            steps = _sixteenths(band.real, band.imag) + centre
            phases[start : start + _BLOCK_FRAMES] = steps & np.uint8(_SIXTEENTHS - 1)
        power = np.square(spectrum.real)
        power += np.square(spectrum.imag)
        power *= scale
        power += np.float32(1e-18)
        block = result[start : start + _BLOCK_FRAMES]
        np.log10(power, out=block)
        block *= np.float32(10.0)
    return result, phases


_SIXTEENTHS = 16  # phase.QUERY_STEPS: the sector table below is built for it
# tan of the sector edges in the first quadrant: 11.25, 33.75, 56.25 and 78.75 degrees.
_SECTOR_EDGES = np.tan(np.radians(11.25 + 22.5 * np.arange(4))).astype(np.float32)
# Sector by quadrant ((real < 0) * 2 + (imag < 0)) and sector within it (0..4):
# (+,+) k, (+,-) 16 - k, (-,+) 8 - k, (-,-) 8 + k, modulo 16.
_SECTOR_OF = np.array(
    [
        [(base + sign * k) % 16 for k in range(5)]
        for base, sign in [(0, 1), (16, -1), (8, -1), (8, 1)]
    ],
    np.uint8,
).ravel()


def _sixteenths(real: FloatArray, imag: FloatArray) -> NDArray[np.uint8]:
    """round(angle / (2 pi / 16)) mod 16 without arctan2: the sector within the quadrant
    from |imag| / |real| against the tangents of the sector edges, then the quadrant from
    the signs, through one lookup table."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(imag) / np.abs(real)
    within = np.searchsorted(_SECTOR_EDGES, ratio).astype(np.uint8)
    quadrant = (real < 0).view(np.uint8) * np.uint8(10) + (imag < 0).view(np.uint8) * np.uint8(5)
    sectors: NDArray[np.uint8] = _SECTOR_OF[quadrant + within]
    return sectors


def _phases_at(pcm: FloatArray, frames: IntArray, bins: IntArray, steps: int) -> NDArray[np.uint8]:
    """The centre-referred phase of single STFT cells, in ``steps`` per turn: a direct DFT
    of each cell's frame at its bin (a reference needs 32 cells a second, not the whole
    band), with the window folded into a table of the band's basis vectors."""
    found = np.zeros(frames.size, np.uint8)
    if frames.size == 0:
        return found
    low = _band_bins()[0]
    table_cos, table_sin = _band_basis()
    framed = np.lib.stride_tricks.sliding_window_view(pcm, N_FFT)[::HOP]
    chunk = 2048
    for start in range(0, frames.size, chunk):
        rows = framed[frames[start : start + chunk]]
        columns = bins[start : start + chunk] - (low - 1)
        real = np.einsum("ij,ij->i", rows, table_cos[columns])
        imag = np.einsum("ij,ij->i", rows, table_sin[columns])
        turns = np.arctan2(imag, real) * (steps / (2.0 * np.pi))
        found[start : start + chunk] = np.rint(turns).astype(np.int64) % steps
    return found


@cache
def _band_basis() -> tuple[FloatArray, FloatArray]:
    """Windowed DFT basis of the band's bins, time origin at the frame's centre (so the
    phases agree with ``_spectrogram``'s): cos and -sin, (bins, N_FFT) float32."""
    low, high = _band_bins()
    bins = np.arange(low - 1, high + 2)[:, None]
    window = np.hanning(N_FFT)[None, :]
    angle = 2.0 * np.pi * bins * (np.arange(N_FFT)[None, :] - N_FFT // 2) / N_FFT
    return (
        (window * np.cos(angle)).astype(np.float32),
        (-window * np.sin(angle)).astype(np.float32),
    )


def find_peaks(pcm: FloatArray, *, per_second: float) -> Peaks:
    return peaks_of_spectrum(_log_spectrogram(pcm), per_second=per_second)


def analyse(pcm: FloatArray, *, per_second: float) -> tuple[Peaks, NDArray[np.uint8]]:
    """Peaks and band envelopes (see ``envelopes``) from one spectrogram."""
    from swordnet.modalities.audio.envelopes import band_envelopes

    spectrum = _log_spectrogram(pcm)
    return peaks_of_spectrum(spectrum, per_second=per_second), band_envelopes(spectrum)


def analyse_reference(
    pcm: FloatArray, *, per_second: float
) -> tuple[Peaks, NDArray[np.uint8], PhasePoints]:
    """Peaks, band envelopes and the phase points (see ``phase``) of a reference."""
    from swordnet.modalities.audio.envelopes import band_envelopes
    from swordnet.modalities.audio.phase import POINTS_PER_SECOND, REFERENCE_STEPS, PhasePoints

    spectrum = _log_spectrogram(pcm)
    if spectrum.shape[0] < 3:
        return Peaks.empty(), band_envelopes(spectrum), PhasePoints.empty()
    band, prominence = _band_prominence(spectrum)
    is_max = _local_maxima(band, prominence)
    peaks = _pick_peaks(band, prominence, per_second=per_second, is_max=is_max)
    frames, columns = _pick_cells(is_max, prominence, per_second=POINTS_PER_SECOND)
    bins = columns + _band_bins()[0] - 1
    phases = _phases_at(pcm, frames, bins, REFERENCE_STEPS)
    points = PhasePoints(frames.astype(np.int32), bins.astype(np.int16), phases)
    return peaks, band_envelopes(spectrum), points


def analyse_query(
    pcm: FloatArray, *, per_second: float, dense_per_second: float = 0.0
) -> tuple[Peaks, NDArray[np.uint8], NDArray[np.uint8], QueryPhases, Peaks]:
    """Peaks, band envelopes, the peak map (see ``peakmap``), the phases (see ``phase``) of
    a query, and its dense peaks: ``dense_per_second`` of them (a superset of the peaks; an
    empty set when 0), for the dense scan (``AudioIndex``)."""
    from swordnet.modalities.audio.envelopes import band_envelopes
    from swordnet.modalities.audio.peakmap import peak_map
    from swordnet.modalities.audio.phase import QueryPhases

    spectrum, phases = _spectrogram(pcm, with_phase=True)
    if spectrum.shape[0] < 3:
        empty = np.zeros((0, 0), np.uint8)
        return Peaks.empty(), band_envelopes(spectrum), empty, QueryPhases.empty(), Peaks.empty()
    band, prominence = _band_prominence(spectrum)
    is_max = _local_maxima(band, prominence)
    peaks = _pick_peaks(band, prominence, per_second=per_second, is_max=is_max)
    dense = Peaks.empty()
    if dense_per_second > per_second:
        dense = _pick_peaks(band, prominence, per_second=dense_per_second, is_max=is_max)
    # The band starts one bin below the floor; the map drops that guard bin.
    low = _band_bins()[0]
    found = peak_map(prominence[:, 1:], first_bin=low, n_fft=N_FFT, floor_hz=PITCH_FLOOR_HZ)
    return peaks, band_envelopes(spectrum), found, QueryPhases(phases, low - 1), dense


@contextmanager
def one_opencv_thread() -> Iterator[None]:
    """Run OpenCV on this thread only: on arrays this small its worker threads save no time,
    and they spin on after each call, burning CPU time that the matching then pays for
    (a 10 s query: 94 ms CPU with them, 76 ms without)."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def _band_bins() -> tuple[int, int]:
    low = int(np.ceil(PITCH_FLOOR_HZ * N_FFT / ANALYSIS_RATE))
    high = int(PITCH_CEILING_HZ * N_FFT / ANALYSIS_RATE)
    return low, high


def _band_prominence(spectrum: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The spectrogram between the pitch floor and ceiling (plus a guard bin either side),
    and each cell's height above its local mean."""
    low, high = _band_bins()
    band = spectrum[:, low - 1 : high + 2]
    # OpenCV's box and dilation filters give scipy.ndimage's uniform and maximum filters
    # (mode "nearest" is BORDER_REPLICATE) an order of magnitude faster.
    with one_opencv_thread():
        prominence = band - cv2.blur(band, (41, 15), borderType=cv2.BORDER_REPLICATE)
    return band, prominence


def peaks_of_spectrum(spectrum: FloatArray, *, per_second: float) -> Peaks:
    """Pick the most prominent local maxima of the spectrogram, ``per_second`` on average.

    Prominence is height above the local mean, so loud passages do not take every slot and a
    quiet intro still gets landmarks; the budget is spent per one-second block for the same
    reason.
    """
    if spectrum.shape[0] < 3:
        return Peaks.empty()
    band, prominence = _band_prominence(spectrum)
    return _pick_peaks(band, prominence, per_second=per_second)


def _local_maxima(band: FloatArray, prominence: FloatArray) -> NDArray[np.bool_]:
    """Cells that are the highest of their neighbourhood, prominent and above silence."""
    with one_opencv_thread():
        neighbourhood_max = cv2.dilate(band, _PEAK_NEIGHBOURHOOD, borderType=cv2.BORDER_REPLICATE)
    is_max: NDArray[np.bool_] = band == neighbourhood_max
    is_max[:, 0] = False
    is_max[:, -1] = False
    is_max &= (prominence > 6.0) & (band > SILENCE_DB)
    return is_max


def _pick_cells(
    is_max: NDArray[np.bool_], prominence: FloatArray, *, per_second: float
) -> tuple[IntArray, IntArray]:
    """(frames, band columns) of the most prominent maxima, ``per_second`` per 1 s block."""
    frames, bins = np.nonzero(is_max)
    if frames.size == 0:
        return frames.astype(np.int64), bins.astype(np.int64)
    strength = prominence[frames, bins]
    block = frames // max(1, round(1.0 / FRAME_SECONDS))
    keep = _top_per_block(block, strength, max(1, round(per_second)))
    return frames[keep].astype(np.int64), bins[keep].astype(np.int64)


def _pick_peaks(
    band: FloatArray,
    prominence: FloatArray,
    *,
    per_second: float,
    is_max: NDArray[np.bool_] | None = None,
) -> Peaks:
    low = _band_bins()[0]
    if is_max is None:
        is_max = _local_maxima(band, prominence)
    frames, bins = _pick_cells(is_max, prominence, per_second=per_second)
    if frames.size == 0:
        return Peaks.empty()
    # Parabolic interpolation puts each peak between bins: pitch is then continuous.
    left, centre, right = band[frames, bins - 1], band[frames, bins], band[frames, bins + 1]
    curvature = left - 2.0 * centre + right
    delta = np.where(curvature < 0, 0.5 * (left - right) / np.minimum(curvature, -1e-6), 0.0)
    hertz = (bins + low - 1 + np.clip(delta, -0.5, 0.5)) * ANALYSIS_RATE / N_FFT
    pitches = (12.0 * np.log2(hertz / PITCH_FLOOR_HZ)).astype(np.float32)
    order = np.lexsort((pitches, frames))
    return Peaks(frames[order].astype(np.int32), pitches[order])


def _top_per_block(block: IntArray, strength: FloatArray, budget: int) -> IntArray:
    order = np.lexsort((-strength, block))
    sorted_blocks = block[order]
    starts = np.searchsorted(sorted_blocks, sorted_blocks, side="left")
    rank = np.arange(order.size) - starts
    return np.sort(order[rank < budget])


@numba.njit(cache=True, nogil=True)
def _pair_hashes(
    frames: NDArray[np.float64], pitches: NDArray[np.float64], fanout: int
) -> tuple[IntArray, NDArray[np.float64]]:
    """``hash_pairs`` of mapped peaks, compiled (numba): the query's vote asks it for every
    point of the scale grid, and as numpy passes each call cost more than its work."""
    n = frames.size
    reach = min(n - 1, 4 * fanout + 8)
    hashes = np.empty(n * fanout, np.int64)
    anchor_frames = np.empty(n * fanout, np.float64)
    found = 0
    for a in range(n):
        anchor_pitch = np.int64(np.floor(pitches[a]))
        paired = 0
        for t in range(a + 1, min(n, a + 1 + reach)):
            if paired == fanout:
                break
            dt = np.rint(frames[t] - frames[a])
            step = pitches[t] - pitches[a]
            if dt < 1 or dt >= MAX_DT or abs(step) >= MAX_STEP_SEMITONES:
                continue
            paired += 1
            if anchor_pitch < 0 or anchor_pitch >= 1 << _ANCHOR_BITS:
                continue  # paired all the same: the anchor's range does not move its targets
            step_code = np.int64(np.rint(step * 2.0)) + _STEP_BIAS
            hashes[found] = (
                (anchor_pitch << (_STEP_BITS + _DT_BITS)) | (step_code << _DT_BITS) | np.int64(dt)
            )
            anchor_frames[found] = frames[a]
            found += 1
    return hashes[:found], anchor_frames[:found]


@dataclass(frozen=True, slots=True)
class PairHashes:
    """Hashes of peak pairs and the frame of each pair's anchor (scaled, for queries)."""

    hashes: NDArray[np.int64]
    anchor_frames: NDArray[np.float64]


def hash_pairs(
    peaks: Peaks,
    *,
    fanout: int,
    time_scale: float = 1.0,
    pitch_shift: float = 0.0,
    dt_tolerance: int = 0,
) -> PairHashes:
    """Pair each peak with the next ``fanout`` peaks in its target zone and hash each pair.

    ``time_scale`` and ``pitch_shift`` map the peaks first (frame * scale, pitch + shift):
    the query side uses them to undo a speed, tempo or pitch change. ``dt_tolerance`` also
    emits each pair with its time step that many frames shorter and longer: a query cut
    half a frame off the reference's grid, or in loud noise, rounds one of the two peaks
    the other way, and the exact hash is then lost.
    """
    if len(peaks) < 2:
        return PairHashes(np.zeros(0, np.int64), np.zeros(0, np.float64))
    frames = peaks.frames.astype(np.float64) * time_scale
    pitches = peaks.pitches.astype(np.float64) + pitch_shift
    hashes, anchor_frames = _pair_hashes(frames, pitches, fanout)
    dt_code = hashes & ((1 << _DT_BITS) - 1)
    if dt_tolerance > 0:
        base = hashes - dt_code
        hash_parts, frame_parts = [hashes], [anchor_frames]
        for change in [*range(-dt_tolerance, 0), *range(1, dt_tolerance + 1)]:
            moved = dt_code + change
            fits = (moved >= 1) & (moved < MAX_DT)
            hash_parts.append(base[fits] | moved[fits])
            frame_parts.append(anchor_frames[fits])
        hashes, anchor_frames = np.concatenate(hash_parts), np.concatenate(frame_parts)
    return PairHashes(hashes, anchor_frames)
