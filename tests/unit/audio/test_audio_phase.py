"""The phase witness: a copy keeps the reference's phase, whatever noise is added to it."""

from __future__ import annotations

import numpy as np
import pytest

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.audio import AudioIndex, AudioSignal
from swordnet.modalities.audio import transforms as tf
from swordnet.modalities.audio.decode import ANALYSIS_RATE
from swordnet.modalities.audio.landmarks import HOP, analyse_query, analyse_reference
from swordnet.modalities.audio.payload import decode_all, decode_query_payload, encode_payload
from swordnet.modalities.audio.phase import phase_witness
from swordnet.modalities.audio.synth import synthetic_music

RATE = ANALYSIS_RATE


@pytest.mark.parametrize("lag", [0, 37, 128, 201])
def test_a_copy_in_0_db_noise_keeps_the_phase_at_any_sub_frame_cut(lag: int) -> None:
    music = synthetic_music(3, 60.0, rate=RATE)
    _, _, points = analyse_reference(music, per_second=12.0)
    start = 20 * RATE + lag  # off the reference's frame grid by ``lag`` samples
    cut = music[start : start + 5 * RATE]
    noisy = tf.add_noise(cut, tf.white_noise(cut.size, np.random.default_rng(lag)), 0.0)
    _, _, _, phases, _ = analyse_query(noisy, per_second=20.0)
    aligned = phase_witness(phases, points, offset=start / HOP)
    # Chance gives the largest of about a thousand exponential variables: a median near 7.
    assert 4.0 < aligned.null_median < 11.0
    assert aligned.coherence > 30.0
    assert aligned.excess > 3 * aligned.null_max - 3 * aligned.null_median


def test_unrelated_music_and_wrong_offsets_stay_at_chance() -> None:
    reference = synthetic_music(3, 60.0, rate=RATE)
    _, _, points = analyse_reference(reference, per_second=12.0)
    other = synthetic_music(4, 20.0, rate=RATE)
    _, _, _, phases, _ = analyse_query(other[: 5 * RATE], per_second=20.0)
    found = [phase_witness(phases, points, offset=at).coherence for at in range(0, 1500, 97)]
    assert max(found) < 16.0
    copy = reference[30 * RATE : 35 * RATE]
    _, _, _, copied, _ = analyse_query(copy, per_second=20.0)
    wrong = phase_witness(copied, points, offset=30 * RATE / HOP + 300)
    assert wrong.coherence < 16.0


def test_a_steady_tone_is_coherent_everywhere_so_its_excess_stays_small() -> None:
    # Two recordings of the same held note (other start phase, other hiss): the note's
    # phase advances alike at every offset, so the coherence is high at any alignment, and
    # the decision reads only its excess over the wrong offsets.
    seconds = np.arange(60 * RATE) / RATE

    def note(phase: float, seed: int) -> np.ndarray:
        tone = (0.3 * np.sin(2 * np.pi * 440.0 * seconds + phase)).astype(np.float32)
        hiss = tf.white_noise(tone.size, np.random.default_rng(seed))
        return tone + np.float32(0.003) * hiss

    _, _, points = analyse_reference(note(0.0, 2), per_second=12.0)
    start = 20 * RATE + 77
    _, _, _, phases, _ = analyse_query(note(1.3, 3)[start : start + 5 * RATE], per_second=20.0)
    found = phase_witness(phases, points, offset=start / HOP)
    assert found.null_median > 11.0  # chance alone: near 7
    assert abs(found.excess) < 4.0


def test_phases_travel_in_the_payload_and_older_payloads_still_decode() -> None:
    signal = AudioSignal()
    music = synthetic_music(5, 12.0, rate=RATE)
    query = decode_all(signal.fingerprint_pcm(music, RATE).payload)
    reference = decode_all(signal.fingerprint_pcm(music, RATE, role="reference").payload)
    assert query.phases is not None and query.phases.steps.shape[0] > 300
    assert int(query.phases.steps.max()) <= 15 and query.points is None
    assert reference.points is not None and len(reference.points) > 12 * 10
    assert reference.phases is None and reference.peak_map is None
    _, _, points = analyse_reference(music, per_second=12.0)
    np.testing.assert_array_equal(reference.points.phases, points.phases)
    np.testing.assert_array_equal(reference.points.frames, points.frames)
    # A payload of the earlier layout (no phases) still decodes, with the witness silent.
    older = encode_payload(query.peaks, query.envelopes, query.peak_map)
    assert decode_all(older).phases is None
    assert decode_query_payload(older)[2] is not None
    encoded = signal.fingerprint_pcm(music, RATE).payload
    with pytest.raises(CorruptMediaError):
        decode_all(encoded[:-4])


def test_the_index_keeps_phase_points_through_serialisation_and_reports_the_witness() -> None:
    signal = AudioSignal()
    index = AudioIndex()
    music = [synthetic_music(seed, 40.0, rate=RATE) for seed in (21, 22, 23)]
    for ref_id, pcm in enumerate(music):
        index.add(ref_id, signal.fingerprint_pcm(pcm, RATE, role="reference"))
    restored = AudioIndex.deserialize(index.serialize())
    cut = music[1][10 * RATE + 99 : 18 * RATE + 99]
    noisy = tf.add_noise(cut, tf.white_noise(cut.size, np.random.default_rng(5)), -3.0)
    query = signal.fingerprint_pcm(noisy, RATE)
    hits = restored.query(query)
    assert hits and hits[0].ref_id == 1
    assert float(hits[0].details["phase_coherence"]) > 30.0
    assert float(hits[0].details["phase_null"]) < 12.0
    assert restored.memory_bytes() == index.memory_bytes()


def test_the_phase_scan_keeps_only_cells_that_hold_the_copy() -> None:
    from swordnet.modalities.audio.params import Candidate

    signal = AudioSignal()
    index = AudioIndex()
    music = [synthetic_music(seed, 40.0, rate=RATE) for seed in (31, 32)]
    for ref_id, pcm in enumerate(music):
        index.add(ref_id, signal.fingerprint_pcm(pcm, RATE, role="reference"))
    start = 12 * RATE + 50
    cut = music[0][start : start + 5 * RATE]
    noisy = tf.add_noise(cut, tf.white_noise(cut.size, np.random.default_rng(8)), 0.0)
    phases = decode_all(signal.fingerprint_pcm(noisy, RATE).payload).phases
    slot = {ref_id: slot for slot, ref_id in enumerate(index._hash_table().ref_ids)}
    true_offset = float(round(start / HOP))
    cells = [Candidate(slot[0], true_offset + 1.0, 1.0, 0.0, 2)]  # a frame off: lags cover it
    cells += [Candidate(slot[0], float(at), 1.0, 0.0, 3) for at in range(30, 900, 61)]
    cells += [Candidate(slot[1], float(at), 1.0, 0.0, 3) for at in range(30, 900, 61)]
    kept = index._phase_scan(phases, cells)
    assert [(c.ref_slot, c.offset) for c in kept] == [(slot[0], true_offset + 1.0)]
