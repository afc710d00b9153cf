"""Band envelopes: a second, independent witness for candidates that peaks alone cannot settle.

Peak-level verification re-uses the evidence that selected the candidate, so among thousands
of alignments some unrelated music always looks good (long held chords in the same key do
it). The loudness envelopes of 16 bands over time are a different kind of evidence: a real
copy follows the reference's envelopes even under 0 dB noise in the bands the music
dominates, while unrelated music does not. Each band is compared over time on its own
(Pearson), so a fixed equaliser or a telephone band-pass cannot fake or hide a match.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from swordnet.modalities.audio.decode import ANALYSIS_RATE

BANDS = 16
ENVELOPE_HOP = 3  # STFT frames per envelope frame: 96 ms
_LOW_HZ, _HIGH_HZ = 200.0, 3800.0
BAND_SEMITONES = 12.0 * float(np.log2(_HIGH_HZ / _LOW_HZ)) / BANDS
_NOISE_EXCESS_DB = 6.0  # a band this much louder (re the reference) than the cleanest weighs 1/e
# Weights resting on fewer bands than this (effective count) say more about chance than about
# noise: the weighted row then repeats the plain one (docs/audio.md, "What is weak").
MIN_WEIGHTED_BANDS = 5.0
_DB_TO_LN = np.float32(np.log(10.0) / 10.0)  # power = exp(dB * this)
_DB_FLOOR = -100.0  # stored as uint8 in half-decibel steps above this


def band_envelopes(spectrum_db: NDArray[np.float32]) -> NDArray[np.uint8]:
    """(frames // 3, 16) band levels in half dB, from a dB spectrogram (frames, bins)."""
    frames = spectrum_db.shape[0] // ENVELOPE_HOP
    if frames == 0:
        return np.zeros((0, BANDS), np.uint8)
    n_fft = (spectrum_db.shape[1] - 1) * 2
    hertz = np.arange(spectrum_db.shape[1]) * ANALYSIS_RATE / n_fft
    edges = np.geomspace(_LOW_HZ, _HIGH_HZ, BANDS + 1)
    band_of_bin = np.searchsorted(edges, hertz, side="right") - 1
    inside = (band_of_bin >= 0) & (band_of_bin < BANDS)
    power = np.exp(spectrum_db[: frames * ENVELOPE_HOP, inside] * _DB_TO_LN)
    power = power.reshape(frames, ENVELOPE_HOP, -1).mean(axis=1)
    # Sum each band's bins: a (bins, bands) membership matrix does it in one product.
    membership = (band_of_bin[inside, None] == np.arange(BANDS)[None, :]).astype(np.float32)
    summed: NDArray[np.float32] = power @ membership
    level = 10.0 * np.log10(summed + 1e-10)
    stored: NDArray[np.uint8] = np.clip((level - _DB_FLOOR) * 2.0, 0, 255).astype(np.uint8)
    return stored


def envelope_agreement(
    query: NDArray[np.uint8],
    reference: NDArray[np.uint8],
    *,
    offsets: NDArray[np.float64],
    time_scale: float,
    pitch_shift: float,
    first_row: int = 0,
) -> NDArray[np.float64]:
    """Per-band correlation of query and reference envelopes: (2, offsets).

    Row 0 is the plain mean over bands; row 1 weighs each band by how much the music still
    dominates it (noise adds power, so those are the bands where the query is least louder
    than the reference), with weights fixed at the first offset so that the other offsets
    are judged on the same bands, and only when they spread over at least
    ``MIN_WEIGHTED_BANDS`` bands (row 1 repeats row 0 otherwise). ``offsets`` are in STFT
    frames, as in ``ref_frame = offset + time_scale * query_frame``; ``query`` holds the
    query's envelope rows from ``first_row`` on. An offset that overlaps the reference by
    fewer than 8 rows scores 0.
    """
    result = np.zeros((2, offsets.size))
    if query.shape[0] < 8 or reference.shape[0] < 8:
        return result
    centres = (np.arange(query.shape[0]) + first_row) * ENVELOPE_HOP + ENVELOPE_HOP / 2
    band_position = np.arange(BANDS) + pitch_shift / BAND_SEMITONES
    usable = (band_position >= 0) & (band_position <= BANDS - 1)
    lower = np.clip(np.floor(band_position).astype(np.int64), 0, BANDS - 1)[usable]
    upper = np.clip(lower + 1, 0, BANDS - 1)
    weight = (band_position - np.floor(band_position))[usable]
    # Every offset at once: (offsets, query rows) reference rows, masked where outside.
    rows = np.rint(
        (offsets[:, None] + time_scale * centres[None, :] - ENVELOPE_HOP / 2) / ENVELOPE_HOP
    )
    inside = (rows >= 0) & (rows < reference.shape[0])
    counts = inside.sum(axis=1)
    judged = counts >= 8
    if not judged.any():
        return result
    rows, inside, counts = rows[judged], inside[judged], counts[judged]
    ref_rows = reference[np.clip(rows, 0, reference.shape[0] - 1).astype(np.int64)]
    ref = ref_rows[:, :, lower] * (1 - weight) + ref_rows[:, :, upper] * weight
    q = np.broadcast_to(query.astype(np.float64)[:, usable], ref.shape)
    mask = inside[:, :, None]
    q_mean = np.where(mask, q, 0.0).sum(axis=1) / counts[:, None]
    ref_mean = np.where(mask, ref, 0.0).sum(axis=1) / counts[:, None]
    a = np.where(mask, q - q_mean[:, None, :], 0.0)
    b = np.where(mask, ref - ref_mean[:, None, :], 0.0)
    norms = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    correlations = np.where(norms > 0, (a * b).sum(axis=1) / np.maximum(norms, 1e-9), 0.0)
    excess = (q_mean[0] - ref_mean[0]) / 2.0  # half dB -> dB, at the first judged offset
    weights = np.exp(-(excess - excess.min()) / _NOISE_EXCESS_DB)
    result[0, judged] = correlations.mean(axis=1)
    # Noise spreads over many bands; unrelated music whose level merely differs from the
    # reference's leaves two or three "clean" bands by chance, and their correlations are
    # as noisy as two or three numbers are.
    if weights.sum() ** 2 / float(np.square(weights).sum()) < MIN_WEIGHTED_BANDS:
        result[1, judged] = result[0, judged]
    else:
        result[1, judged] = (correlations * weights).sum(axis=1) / weights.sum()
    return result
