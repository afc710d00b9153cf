"""Generated stand-ins for music (and for its peaks), for tests, conformance samples and
``bench/audio.py --small``.

Each seed gives a different random melody over chords, with harmonics, note envelopes and
noise-burst percussion: enough spectral structure for landmarks, no media files committed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from swordnet.modalities.audio.decode import ANALYSIS_RATE
from swordnet.modalities.audio.landmarks import Peaks


def random_peaks(rng: np.random.Generator, *, count: int, frames: int) -> Peaks:
    """``count`` peaks at random frames below ``frames`` and random pitches (0-50 semitones)."""
    found = np.sort(rng.integers(0, frames, count)).astype(np.int32)
    return Peaks(found, rng.uniform(0.0, 50.0, count).astype(np.float32))


def synthetic_music(seed: int, seconds: float, rate: int = ANALYSIS_RATE) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    total = int(seconds * rate)
    out = np.zeros(total, np.float64)
    # Each seed gets its own tuning, scale and tempo, so that two seeds are as unlike as
    # two real pieces rather than variations of one.
    tonic = 48 + int(rng.integers(0, 12)) + float(rng.uniform(-0.5, 0.5))
    degrees = np.sort(rng.choice(12, size=7, replace=False))
    scale = np.concatenate([degrees, degrees[:3] + 12])
    beat = 60.0 / float(rng.uniform(70, 170))
    for voice in range(3):
        start = 0.0
        octave = 12 * voice
        while start < seconds:
            length = beat * float(rng.choice([0.25, 0.5, 0.75, 1.0, 1.5, 2.0]))
            note = tonic + octave + float(rng.choice(scale))
            _add_note(out, rate, (start, length), 440.0 * 2 ** ((note - 69) / 12), rng)
            start += length
    for hit in np.arange(0.0, seconds, beat):
        _add_drum(out, rate, float(hit), rng)
    out /= max(1e-9, float(np.abs(out).max())) / 0.8
    return out.astype(np.float32)


def _add_note(
    out: NDArray[np.float64],
    rate: int,
    span: tuple[float, float],
    hertz: float,
    rng: np.random.Generator,
) -> None:
    start, length = span
    first = int(start * rate)
    count = min(int(length * rate), out.size - first)
    if count <= 0:
        return
    t = np.arange(count) / rate
    envelope = np.minimum(1.0, t / 0.01) * np.exp(-t / max(0.1, length * 0.6))
    tone = np.zeros(count)
    for harmonic in range(1, 6):
        if hertz * harmonic < rate / 2:
            tone += np.sin(2 * np.pi * hertz * harmonic * t + rng.uniform(0, 6.28)) / harmonic
    out[first : first + count] += float(rng.uniform(0.4, 1.0)) * envelope * tone


def _add_drum(out: NDArray[np.float64], rate: int, start: float, rng: np.random.Generator) -> None:
    first = int(start * rate)
    count = min(int(0.08 * rate), out.size - first)
    if count <= 0:
        return
    t = np.arange(count) / rate
    out[first : first + count] += 0.3 * rng.standard_normal(count) * np.exp(-t / 0.02)
