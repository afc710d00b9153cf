"""Does a negative excerpt really contain a reference's audio? Waveform coherence decides.

Game soundtracks reuse recorded loops between tracks: warzone2100 legacy-track15 carries a
loop of legacy-track10, mixed under other parts, so Chromaprint's 10 s / 0.8 bar (which
relates whole-mix copies) does not see it. When any system's top answer to a query is a
reference the ground truth does not relate to it, the benchmark asks this witness, which
shares nothing with the systems under test: the normalised cross-correlation of the clean
excerpt's waveform with the reference's, at every lag. The same recording lines up sample
for sample (|NCC| 0.38-0.48 for a loop under other parts); a different performance or an
unrelated track does not, whatever its notes and timbre (0.21 at most, docs/audio.md).
An excerpt found coherent counts as related to that reference, for every system alike.

A second waveform witness, since 2026-12-07: the phase transform (whitened cross-correlation,
GCC-PHAT) of the whole clean excerpt with the reference, 200-3800 Hz. Whitening gives every
frequency the same weight, so a recording mixed under louder parts still lines up at one lag
while the plain NCC is dominated by the louder parts; the statistic is the highest |value|
over all lags in units of its spread over lags. Between tracks of different packages (which
cannot share a recording) it stayed under COHERENT_PHAT (docs/audio.md gives the run).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.fft import irfft, next_fast_len, rfft
from scipy.signal import fftconvolve

Pcm = NDArray[np.float32]

# Over all lags of a whole track, 5 s excerpts of unrelated tracks (other packages) reached
# |NCC| 0.21 at most (median 0.09, 113 pairs); a loop shared under other parts 0.38-0.48.
COHERENT_NCC = 0.3
_WINDOW_S = 4.0
COHERENT_PHAT = 16.0
_PHAT_BAND_HZ = (200.0, 3800.0)


def max_coherence(excerpt: Pcm, reference: Pcm, rate: int) -> float:
    """Highest |normalised cross-correlation| of a 4 s piece of ``excerpt`` with ``reference``."""
    length = min(excerpt.size, int(_WINDOW_S * rate))
    if length < rate or reference.size < length:
        return 0.0
    start = (excerpt.size - length) // 2
    piece = excerpt[start : start + length].astype(np.float64)
    piece -= piece.mean()
    energy = float(np.dot(piece, piece))
    if energy <= 0.0:
        return 0.0
    ref = reference.astype(np.float64)
    correlation = fftconvolve(ref, piece[::-1], mode="valid")
    squares = np.concatenate([[0.0], np.cumsum(ref * ref)])
    window_energy = squares[length:] - squares[:-length]
    sums = np.concatenate([[0.0], np.cumsum(ref)])
    window_sum = sums[length:] - sums[:-length]
    # The piece has zero mean, so the reference's window mean drops out of the numerator.
    centred = np.maximum(window_energy - window_sum**2 / length, 1e-12)
    return float(np.max(np.abs(correlation) / np.sqrt(centred * energy)))


def whitened_peak(excerpt: Pcm, reference: Pcm, rate: int) -> float:
    """Highest |GCC-PHAT| of the excerpt against the reference, in units of its spread over
    all lags (band-limited to 200-3800 Hz)."""
    if excerpt.size < rate or reference.size < excerpt.size:
        return 0.0
    size = next_fast_len(reference.size + excerpt.size)
    cross = rfft(reference.astype(np.float64), size) * np.conj(
        rfft(excerpt.astype(np.float64), size)
    )
    hertz = np.arange(cross.size) * rate / size
    band = (hertz >= _PHAT_BAND_HZ[0]) & (hertz <= _PHAT_BAND_HZ[1])
    whitened = np.where(band, cross / (np.abs(cross) + 1e-12), 0.0)
    lags = irfft(whitened, size)[: reference.size]
    spread = float(np.std(lags))
    return float(np.max(np.abs(lags)) / spread) if spread > 0 else 0.0


def shared_recording(excerpt: Pcm, reference: Pcm, rate: int) -> float:
    """The stronger of the two witnesses, as a multiple of its bar (>= 1: shared)."""
    return max(
        max_coherence(excerpt, reference, rate) / COHERENT_NCC,
        whitened_peak(excerpt, reference, rate) / COHERENT_PHAT,
    )


class Adjudicator:
    """Caches each reference's PCM and each (excerpt, reference) verdict: the stronger
    witness as a multiple of its bar."""

    def __init__(self, load: Callable[[str], Pcm | None], rate: int) -> None:
        self._load = load
        self._rate = rate
        self._pcm: dict[str, Pcm | None] = {}
        self._verdicts: dict[tuple[int, str], float] = {}

    def coherence(self, excerpt_id: int, excerpt: Pcm, reference_key: str) -> float:
        key = (excerpt_id, reference_key)
        if key not in self._verdicts:
            if reference_key not in self._pcm:
                self._pcm[reference_key] = self._load(reference_key)
            reference = self._pcm[reference_key]
            found = 0.0 if reference is None else shared_recording(excerpt, reference, self._rate)
            self._verdicts[key] = found
        return self._verdicts[key]
