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
import scipy.fft
from numpy.typing import NDArray

from swordnet.modalities.audio.landmarks import HOP, N_FFT

POINTS_PER_SECOND = 32.0  # reference cells whose phase is kept (their own pick, not the peaks)
REFERENCE_STEPS = 256  # reference phase: one byte
QUERY_STEPS = 16  # query phase: four bits (costs about 1% of the statistic)
_LAG_OVERSAMPLING = 4  # lags in quarter samples
_MIN_POINTS = 16  # fewer reference points in the window say nothing
_NULL_AT = 12.0  # the wrong offsets are only measured for a statistic above this
# A voted cell beyond the usual candidates is verified when its coherence reaches this: by
# chance about once in ten thousand cells (the largest of ~1000 lags: P ~ 1000 e^-t).
SCAN_COHERENCE = 17.0
# Wrong offsets for the null, in frames (as in verify.py: one bar of repetition cannot fill it).
_NULL_SHIFTS = np.array(
    [-251, -197, -163, -131, -97, -71, -53, -37, 37, 53, 71, 97, 131, 163], np.int64
)
# A speed change is a resampling: it keeps the waveform, and the phase agrees once the time
# scale is known to about one part in 10^5; the speed witness searches for it this far.
SPEED_SPREAD = 0.0225  # the voted grid point's half step (0.0125) and the refinement's 0.01
_SPEED_OVERSAMPLING = 2  # half-sample lags: the search costs half, a copy loses little
_COARSE_BIN = 128  # 1 kHz: the coarse search's cells are below it
# Cells are placed anew every this much of time scale: 0.003 off moves the highest bin by
# 1.5 bins (still in the window's main lobe) and the query's ends by half a frame.
_SPEED_PLACING = 0.003
# Over ~500 time scales x 2000 lags the statistic of unrelated phases reaches about 13
# (the largest of a million exponential variables); below this nothing can clear the bar
# once that is subtracted, so the wrong offsets are not measured and the excess is 0.
_SPEED_NULL_AT = 25.0
_SPEED_NULL_SHIFTS = np.array([-163, -97, -53, 53, 97, 163], np.int64)
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


def coherences_of(
    query: QueryPhases, alignments: list[tuple[PhasePoints, int]]
) -> NDArray[np.float64]:
    """The lag-specific coherence of each alignment (reference points, ``ref frame = offset +
    query frame``; 0 where fewer than 16 points fall inside the query), on any references:
    one gather, one bincount and one batched FFT for all of them."""
    frames, bins = query.steps.shape
    result = np.zeros(len(alignments))
    if frames == 0 or not alignments:
        return result
    parts: list[tuple[NDArray[np.int32], NDArray[np.int16], NDArray[np.uint8], int]] = []
    for points, offset in alignments:
        lo, hi = np.searchsorted(points.frames, [offset, offset + frames])
        parts.append((points.frames[lo:hi], points.bins[lo:hi], points.phases[lo:hi], offset))
    counts = np.array([part[0].size for part in parts], np.int64)
    if counts.sum() == 0:
        return result
    owner = np.repeat(np.arange(len(parts)), counts)
    offsets = np.array([part[3] for part in parts], np.int64)
    rows = np.concatenate([part[0] for part in parts]).astype(np.int64) - offsets[owner]
    columns = np.concatenate([part[1] for part in parts]).astype(np.int64) - query.first_bin
    reference = np.concatenate([part[2] for part in parts])
    inside = (columns >= 0) & (columns < bins)
    owner, rows, columns, reference = (
        owner[inside],
        rows[inside],
        columns[inside],
        reference[inside],
    )
    used = np.bincount(owner, minlength=len(parts))
    difference = query.steps[rows, columns].astype(np.int64) * (REFERENCE_STEPS // QUERY_STEPS)
    phasors = _PHASORS[(difference - reference) % REFERENCE_STEPS]
    cells = owner * N_FFT + columns
    size = len(parts) * N_FFT
    by_bin = np.bincount(cells, phasors.real, size) + 1j * np.bincount(cells, phasors.imag, size)
    # Bin b at lag d turns by 2 pi b d / N_FFT: an FFT over bins gives every lag at once;
    # bins are laid out from ``first_bin``, which only rotates every lag by the same phase.
    lags = np.fft.fft(by_bin.reshape(len(parts), N_FFT), n=N_FFT * _LAG_OVERSAMPLING, axis=1)
    power = lags.real**2 + lags.imag**2
    # The mean over lags (Parseval) is the sum of each bin's own |sum|^2, which sustained
    # notes at one pitch make large at any offset; what a copy adds is agreement *across*
    # bins at one lag: the peak above that mean.
    lifted = power.max(axis=1) - power.mean(axis=1)
    enough = used >= _MIN_POINTS
    result[enough] = lifted[enough] / used[enough] + 1.0
    return result


def phase_witness(query: QueryPhases, points: PhasePoints, *, offset: float) -> PhaseWitness:
    """The coherence at the alignment and, when it is high, at the wrong offsets."""
    return phase_witnesses(query, [(points, offset)])[0]


def phase_witnesses(
    query: QueryPhases, alignments: list[tuple[PhasePoints, float]]
) -> list[PhaseWitness]:
    """``phase_witness`` for several alignments, in two batched passes (the alignments,
    then the wrong offsets of those that stand out)."""
    usable = [(points, round(offset)) for points, offset in alignments if len(points)]
    if query.size == 0 or not usable:
        return [PhaseWitness(0.0) for _ in alignments]
    found = iter(coherences_of(query, usable).tolist())
    witnessed = [next(found) if len(points) else 0.0 for points, _ in alignments]
    tested = [
        (points, round(offset))
        for (points, offset), value in zip(alignments, witnessed, strict=True)
        if value >= _NULL_AT
    ]
    nulls = coherences_of(
        query, [(points, at + int(shift)) for points, at in tested for shift in _NULL_SHIFTS]
    ).reshape(len(tested), _NULL_SHIFTS.size)
    rows = iter(nulls)
    result: list[PhaseWitness] = []
    for value in witnessed:
        if value < _NULL_AT:
            result.append(PhaseWitness(value))
            continue
        null = next(rows)
        null = null[null > 0]
        if null.size < _NULL_SHIFTS.size // 2:
            # Too little reference around the alignment to measure chance: a steady tone
            # could not be told from a copy, so the witness says nothing.
            result.append(PhaseWitness(value, value, value))
        else:
            result.append(PhaseWitness(value, float(np.median(null)), float(null.max())))
    return result


def speed_coherence(
    query: QueryPhases, points: PhasePoints, *, offset: float, time_scale: float
) -> float:
    """The coherence of a sped-up or slowed-down copy (``ref frame = offset + time_scale *
    query frame``, pitch moved with the time scale), searched over time scales within
    ``SPEED_SPREAD`` of ``time_scale`` (pivoting on the query's middle) and over lags.

    A reference cell (frame r, bin b) is seen in the query at frame j = (r - offset) /
    time_scale and bin b * time_scale. Its phase there is the reference's, advanced by the
    reference time between frame r and the one query frame j faces, offset + time_scale *
    j; what is left is a lag common to all cells and, if the time scale is off by e, a lag
    e * j that grows along the query. The search places the cells for time scales
    ``_SPEED_PLACING`` apart (close enough that each lands within a bin and a frame of the
    right cell); around each, it turns them back by errors e, coarsely on the cells below
    ``_COARSE_BIN`` (an error turns a low bin slowly), then finely on every cell around
    the three best; an FFT over bins finds the common lag, as for the query as it is.
    """
    frames = query.steps.shape[0]
    if frames == 0 or len(points) == 0:
        return 0.0
    middle = frames / 2.0
    placings = time_scale + np.arange(-SPEED_SPREAD, SPEED_SPREAD + 1e-9, _SPEED_PLACING)
    coarse: list[tuple[float, float, float]] = []  # (lifted, placing, error)
    placed: dict[float, _Placed] = {}
    for scale in placings.tolist():
        at = _place(query, points, offset + (time_scale - scale) * middle, scale)
        if at is None:
            continue
        placed[scale] = at
        low = at.bins < _COARSE_BIN
        if np.count_nonzero(low) < _MIN_POINTS:
            continue
        step = at.coarse_step
        errors = np.arange(-_SPEED_PLACING / 2, _SPEED_PLACING / 2 + step / 2, step)
        lifted = _lifted(at.turns[low], at.bins[low], at.centred[low], errors, 4 * _COARSE_BIN)
        coarse.extend((float(v), scale, float(e)) for v, e in zip(lifted, errors, strict=True))
    if not placed:
        return 0.0
    best = 0.0
    for _, scale, error in sorted(coarse, reverse=True)[:3]:
        at = placed[scale]
        fine_step = 1.0 / (4.0 * float(at.bins.max()) * at.far)
        errors = error + np.arange(-at.coarse_step, at.coarse_step + fine_step / 2, fine_step)
        lifted = _lifted(at.turns, at.bins, at.centred, errors, N_FFT * _SPEED_OVERSAMPLING)
        best = max(best, float(lifted.max()) / at.turns.size + 1.0)
    return best


@dataclass(frozen=True, slots=True)
class _Placed:
    """Reference cells placed in the query for one time scale: the phase left over after
    the advance (turns), the reference bins, the query frames from the middle (in the
    units an error turns a bin by), and the largest of those."""

    turns: NDArray[np.float64]
    bins: NDArray[np.int64]
    centred: NDArray[np.float64]
    far: float

    @property
    def coarse_step(self) -> float:
        """The coarse search's step: bin ``_COARSE_BIN`` at the far end turns a quarter."""
        return 1.0 / (4.0 * _COARSE_BIN * self.far)


def _place(
    query: QueryPhases, points: PhasePoints, offset: float, time_scale: float
) -> _Placed | None:
    frames, bins = query.steps.shape
    lo, hi = np.searchsorted(
        points.frames, [np.floor(offset) - 2, np.ceil(offset + time_scale * frames) + 2]
    )
    ref_frames = points.frames[lo:hi].astype(np.float64)
    ref_bins = points.bins[lo:hi].astype(np.int64)
    rows = np.rint((ref_frames - offset) / time_scale).astype(np.int64)
    columns = np.rint(ref_bins * time_scale).astype(np.int64) - query.first_bin
    inside = (rows >= 0) & (rows < frames) & (columns >= 0) & (columns < bins)
    if np.count_nonzero(inside) < _MIN_POINTS:
        return None
    rows, columns, ref_bins = rows[inside], columns[inside], ref_bins[inside]
    turns = (
        query.steps[rows, columns].astype(np.float64) / QUERY_STEPS
        - points.phases[lo:hi][inside].astype(np.float64) / REFERENCE_STEPS
        - (offset + time_scale * rows - ref_frames[inside]) * ref_bins * (HOP / N_FFT)
    )
    # An error e turns bin b at query frame j by e * j * b * HOP / N_FFT turns; the search
    # steps so that the highest bin searched at the far end moves a quarter turn at most.
    centred = (rows - frames / 2.0) * (HOP / N_FFT)
    return _Placed(turns, ref_bins, centred, max(float(np.abs(centred).max()), HOP / N_FFT))


def _lifted(
    turns: NDArray[np.float64],
    bins: NDArray[np.int64],
    centred: NDArray[np.float64],
    errors: NDArray[np.float64],
    lags: int,
) -> NDArray[np.float64]:
    """Per time-scale error: the largest |sum|^2 over ``lags`` lags, less its mean."""
    width = int(bins.max()) + 1
    phasors = np.exp(2j * np.pi * (turns[None, :] - errors[:, None] * (centred * bins)[None, :]))
    cells = (np.arange(errors.size)[:, None] * width + bins[None, :]).ravel()
    size = errors.size * width
    by_bin = np.bincount(cells, phasors.real.ravel(), size) + 1j * np.bincount(
        cells, phasors.imag.ravel(), size
    )
    spectrum = scipy.fft.fft(
        by_bin.reshape(errors.size, width).astype(np.complex64), n=lags, axis=1
    )
    power = spectrum.real**2 + spectrum.imag**2
    lifted: NDArray[np.float64] = (power.max(axis=1) - power.mean(axis=1)).astype(np.float64)
    return lifted


def speed_witness(
    query: QueryPhases, points: PhasePoints, *, offset: float, time_scale: float
) -> PhaseWitness:
    """``speed_coherence`` at the alignment and, when it could clear a bar, at wrong offsets
    (the same search there: its median is what the excess is measured from)."""
    value = speed_coherence(query, points, offset=offset, time_scale=time_scale)
    if value < _SPEED_NULL_AT:
        return PhaseWitness(value, value, value)
    null = np.array(
        [
            speed_coherence(query, points, offset=offset + float(shift), time_scale=time_scale)
            for shift in _SPEED_NULL_SHIFTS
        ]
    )
    null = null[null > 0]
    if null.size < _SPEED_NULL_SHIFTS.size // 2:
        return PhaseWitness(value, value, value)
    return PhaseWitness(value, float(np.median(null)), float(null.max()))
