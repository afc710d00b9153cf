"""The speed witness: a sped-up or slowed-down copy keeps the reference's waveform, so its
phase agrees once the time scale is found finely; a tempo change re-synthesises and does not."""

from __future__ import annotations

import numpy as np
import pytest

from swordnet.modalities.audio import AudioIndex, AudioSignal
from swordnet.modalities.audio import transforms as tf
from swordnet.modalities.audio.decode import ANALYSIS_RATE
from swordnet.modalities.audio.index import _is_speed_change
from swordnet.modalities.audio.landmarks import HOP, analyse_query, analyse_reference
from swordnet.modalities.audio.params import AudioMatchParams, Candidate
from swordnet.modalities.audio.phase import (
    PhasePoints,
    QueryPhases,
    speed_coherence,
    speed_witness,
)
from swordnet.modalities.audio.synth import synthetic_music

RATE = ANALYSIS_RATE
START = 20 * RATE + 91  # off the reference's frame grid


@pytest.fixture(scope="module")
def reference() -> tuple[np.ndarray, PhasePoints]:
    music = synthetic_music(5, 60.0, rate=RATE)
    return music, analyse_reference(music, per_second=12.0)[2]


def _query(
    music: np.ndarray, factor: float, *, tempo: bool = False, snr: float = 0.0
) -> QueryPhases:
    cut = music[START : START + int(6 * RATE)]
    changed = tf.change_tempo(cut, RATE, factor) if tempo else tf.change_speed(cut, RATE, factor)
    changed = changed[: 5 * RATE]
    noisy = tf.add_noise(changed, tf.white_noise(changed.size, np.random.default_rng(3)), snr)
    return analyse_query(noisy, per_second=20.0)[3]


def _offset(frames: int, *, error: float = 0.0) -> float:
    """The offset of a candidate whose time scale is off by ``error``, right at the middle
    of the query (as the grid's refinement pivots it)."""
    return START / HOP - error * frames / 2


@pytest.mark.parametrize(("factor", "error"), [(0.95, 0.0), (0.95, 0.011), (1.08, -0.017)])
def test_a_sped_up_copy_in_0_db_noise_is_coherent_though_the_grid_is_off(
    reference: tuple[np.ndarray, PhasePoints], factor: float, error: float
) -> None:
    music, points = reference
    phases = _query(music, factor)
    frames = phases.steps.shape[0]
    found = speed_witness(
        phases, points, offset=_offset(frames, error=error), time_scale=factor + error
    )
    # Chance, over ~10^6 (time scale, lag) pairs: about 13.
    assert 8.0 < found.null_median < 18.0
    assert found.coherence > 40.0
    assert found.excess > 25.0


def test_wrong_offsets_unrelated_music_and_a_tempo_change_stay_at_chance(
    reference: tuple[np.ndarray, PhasePoints],
) -> None:
    music, points = reference
    phases = _query(music, 0.95, snr=10.0)
    frames = phases.steps.shape[0]
    wrong = [
        speed_coherence(phases, points, offset=_offset(frames) + shift, time_scale=0.95)
        for shift in (-211, -60, 45, 170)
    ]
    assert max(wrong) < 22.0
    other = synthetic_music(6, 20.0, rate=RATE)
    unrelated = analyse_query(tf.change_speed(other, RATE, 0.95)[: 5 * RATE], per_second=20.0)[3]
    assert speed_coherence(unrelated, points, offset=START / HOP, time_scale=0.95) < 22.0
    # A tempo change keeps the pitch and re-synthesises the waveform: no phase to find.
    stretched = _query(music, 0.95, tempo=True, snr=30.0)
    witness = speed_witness(stretched, points, offset=START / HOP, time_scale=0.95)
    assert witness.excess < 10.0


def test_only_speed_changes_get_the_witness() -> None:
    def candidate(scale: float, shift: float) -> Candidate:
        return Candidate(0, 0.0, scale, shift, 10)

    assert _is_speed_change(candidate(0.95, -12.0 * float(np.log2(0.95))))
    assert not _is_speed_change(candidate(0.95, 0.0))  # tempo
    assert not _is_speed_change(candidate(1.0, 1.0))  # pitch
    assert not _is_speed_change(candidate(1.0, 0.0))  # the query as it is


def test_nothing_to_place_gives_zero() -> None:
    assert (
        speed_coherence(QueryPhases.empty(), PhasePoints.empty(), offset=0.0, time_scale=1.05) == 0
    )


@pytest.mark.parametrize("factor", [0.93, 1.07])
def test_the_index_finds_a_sped_up_copy_in_0_db_noise_by_the_speed_witness(factor: float) -> None:
    signal = AudioSignal()
    music = {ref_id: synthetic_music(ref_id, 60.0, rate=RATE) for ref_id in range(1, 7)}
    cut = music[3][20 * RATE : 26 * RATE]
    changed = tf.change_speed(cut, RATE, factor)[: 5 * RATE]
    noisy = tf.add_noise(changed, tf.white_noise(changed.size, np.random.default_rng(1)), 0.0)
    query = signal.fingerprint_pcm(noisy, RATE)
    found = {}
    for speed_phase in (0, AudioMatchParams().speed_phase):
        index = AudioIndex(AudioMatchParams(speed_phase=speed_phase))
        for ref_id, pcm in music.items():
            index.add(ref_id, signal.fingerprint_pcm(pcm, RATE, role="reference"))
        found[speed_phase] = index.query(query)
    assert not [hit for hit in found[0] if hit.ref_id == 3]  # peaks and envelopes: not enough
    hits = found[AudioMatchParams().speed_phase]
    assert [hit.ref_id for hit in hits] == [3]
    assert abs(float(hits[0].details["time_scale"]) - factor) < 0.0126
    assert float(hits[0].details["phase_coherence"]) > 40.0
