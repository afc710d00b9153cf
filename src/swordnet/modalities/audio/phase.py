"""Phase coherence: a fourth witness, for copies that keep the reference's waveform.

Peaks, envelopes and the peak map all look at *power*, and in 0 dB noise unrelated music can
match a copy's power as well as the copy does. A copy that was only re-encoded, filtered or
mixed with noise (no speed, tempo or pitch change) also keeps the reference's *phase*: a
tonal component of the reference at frequency f, seen in the query at the aligned frame,
has the same phase up to 2 pi f d / rate, where d is the sub-frame lag between the two
frame grids (the same for every component), plus one constant (a polarity flip, a codec's
delay). Unrelated music, or noise, gives phases that owe nothing to the reference.

References store the phase at their most prominent spectral cells (``POINTS_PER_SECOND``,
one byte each, referred to the frame's centre); queries carry the phase of every bin in the
band, in 16 steps (``QueryPhases``). At an alignment, each reference point gives the phasor
exp(i (query phase - reference phase)); summed per bin, an FFT over the bins turns them into
the coherence at every lag d (quarter samples, +-2 frames), and the statistic is the largest
|sum|^2 / points. For phases owing nothing to each other it behaves like the largest of
about a thousand exponential variables (median near 7); copies in 0 dB white noise reach
tens to hundreds. The same statistic at wrong offsets of the same reference (the null)
guards against steady tones, whose phase advances alike at every offset (docs/audio.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from swordnet.modalities.audio.landmarks import N_FFT

POINTS_PER_SECOND = 32.0  # reference cells whose phase is kept (their own pick, not the peaks)
REFERENCE_STEPS = 256  # reference phase: one byte
QUERY_STEPS = 16  # query phase: four bits (costs about 1% of the statistic)
_LAG_OVERSAMPLING = 4  # lags in quarter samples
PEAK_TO_MEAN = True
_MIN_POINTS = 16  # fewer reference points in the window say nothing
_NULL_AT = 12.0  # the wrong offsets are only measured for a statistic above this
# A voted cell beyond the usual candidates is verified when its coherence reaches this: by
# chance about once in ten thousand cells (the largest of ~1000 lags: P ~ 1000 e^-t).
SCAN_COHERENCE = 17.0
# Wrong offsets for the null, in frames (as in verify.py: one bar of repetition cannot fill it).
_NULL_SHIFTS = np.array(
    [-251, -197, -163, -131, -97, -71, -53, -37, 37, 53, 71, 97, 131, 163], np.int64
)
# exp(i 2 pi k / 256) for every difference of quantised phases (query step * 16 - reference).
_PHASORS = np.exp(2j * np.pi * np.arange(REFERENCE_STEPS) / REFERENCE_STEPS)


@dataclass(frozen=True, slots=True)
class PhasePoints:
    """A reference's phase cells sorted by frame: STFT bin and phase (1/256 turns)."""

    frames: NDArray[np.int32]
    bins: NDArray[np.int16]
    phases: NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.frames.size)

    @property
    def nbytes(self) -> int:
        return int(self.frames.nbytes + self.bins.nbytes + self.phases.nbytes)

    @classmethod
    def empty(cls) -> PhasePoints:
        return cls(np.zeros(0, np.int32), np.zeros(0, np.int16), np.zeros(0, np.uint8))


@dataclass(frozen=True, slots=True)
class QueryPhases:
    """A query's phase at every frame and bin ``first_bin ..``, in 1/16 turns (0..15)."""

    steps: NDArray[np.uint8]  # (frames, bins)
    first_bin: int

    @classmethod
    def empty(cls) -> QueryPhases:
        return cls(np.zeros((0, 0), np.uint8), 0)

    @property
    def size(self) -> int:
        return int(self.steps.size)


def quantise(phase: NDArray[np.floating], steps: int) -> NDArray[np.uint8]:
    """Radians to ``steps`` levels per turn (0 .. steps - 1)."""
    turns = np.asarray(phase, np.float32) * np.float32(steps / (2.0 * np.pi))
    levels: NDArray[np.uint8] = (np.rint(turns).astype(np.int64) % steps).astype(np.uint8)
    return levels


@dataclass(frozen=True, slots=True)
class PhaseWitness:
    """The statistic at the alignment, and its median and largest value at wrong offsets."""

    coherence: float
    null_median: float = 0.0
    null_max: float = 0.0

    @property
    def excess(self) -> float:
        """Coherence above its median at wrong offsets: what the decision reads."""
        return self.coherence - self.null_median


def coherences(
    query: QueryPhases, points: PhasePoints, offsets: NDArray[np.int64]
) -> NDArray[np.float64]:
    """The largest lag-corrected coherence of the reference points at each alignment
    ``ref frame = offset + query frame`` (0 where fewer than 16 points fall inside the
    query). All offsets at once: one gather, one bincount, one batched FFT."""
    frames, bins = query.steps.shape
    result = np.zeros(offsets.size)
    if frames == 0 or offsets.size == 0 or len(points) == 0:
        return result
    lo = np.searchsorted(points.frames, offsets)
    counts = np.searchsorted(points.frames, offsets + frames) - lo
    owner = np.repeat(np.arange(offsets.size), counts)
    index = np.arange(int(counts.sum())) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
    columns = points.bins[index].astype(np.int64) - query.first_bin
    inside = (columns >= 0) & (columns < bins)
    owner, index, columns = owner[inside], index[inside], columns[inside]
    rows = points.frames[index].astype(np.int64) - offsets[owner]
    used = np.bincount(owner, minlength=offsets.size)
    difference = query.steps[rows, columns].astype(np.int64) * (REFERENCE_STEPS // QUERY_STEPS)
    phasors = _PHASORS[(difference - points.phases[index]) % REFERENCE_STEPS]
    cells = owner * N_FFT + columns
    size = offsets.size * N_FFT
    by_bin = np.bincount(cells, phasors.real, size) + 1j * np.bincount(cells, phasors.imag, size)
    # Bin b at lag d turns by 2 pi b d / N_FFT: an FFT over bins gives every lag at once;
    # bins are laid out from ``first_bin``, which only rotates every lag by the same phase.
    lags = np.fft.fft(by_bin.reshape(offsets.size, N_FFT), n=N_FFT * _LAG_OVERSAMPLING, axis=1)
    power = lags.real**2 + lags.imag**2
    enough = used >= _MIN_POINTS
    if PEAK_TO_MEAN:
        # The mean over lags (Parseval) is the sum of each bin's own |sum|^2, which sustained
        # notes at one pitch make large at any offset; what a copy adds is agreement
        # *across* bins at one lag: the peak above that mean.
        lifted = power.max(axis=1) - power.mean(axis=1)
        result[enough] = lifted[enough] / used[enough] + 1.0
    else:
        result[enough] = power.max(axis=1)[enough] / used[enough]
    return result


def coherence(query: QueryPhases, points: PhasePoints, *, offset: int) -> float:
    """``coherences`` at one alignment."""
    return float(coherences(query, points, np.array([offset], np.int64))[0])


def phase_witness(query: QueryPhases, points: PhasePoints, *, offset: float) -> PhaseWitness:
    """The coherence at the alignment and, when it is high, at the wrong offsets."""
    if query.size == 0 or len(points) == 0:
        return PhaseWitness(0.0)
    at = round(offset)
    found = coherence(query, points, offset=at)
    if found < _NULL_AT:
        return PhaseWitness(found)
    null = coherences(query, points, at + _NULL_SHIFTS)
    null = null[null > 0]
    if null.size < _NULL_SHIFTS.size // 2:
        # Too little reference around the alignment to measure chance: a steady tone could not
        # be told from a copy, so the witness says nothing.
        return PhaseWitness(found, found, found)
    return PhaseWitness(found, float(np.median(null)), float(null.max()))
