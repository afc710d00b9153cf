"""The audio matcher's parts on their own: peak verification, envelope witness, persistence."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable

import numpy as np
import pytest

from swordnet.modalities.audio import AudioIndex, AudioSignal
from swordnet.modalities.audio import transforms as tf
from swordnet.modalities.audio.decode import ANALYSIS_RATE
from swordnet.modalities.audio.envelopes import BANDS, envelope_agreement
from swordnet.modalities.audio.hashtable import HashTable
from swordnet.modalities.audio.landmarks import MAX_DT, Peaks, hash_pairs
from swordnet.modalities.audio.params import AudioMatchParams
from swordnet.modalities.audio.payload import encode_payload
from swordnet.modalities.audio.synth import random_peaks, synthetic_music
from swordnet.modalities.audio.verify import quick_excess, verify_alignment
from swordnet.plugins.signals import Fingerprint

RATE = ANALYSIS_RATE


def test_verification_scores_a_true_alignment_far_above_chance() -> None:
    rng = np.random.default_rng(4)
    reference = random_peaks(rng, frames=3000, count=3000)
    keep = (reference.frames >= 1000) & (reference.frames < 1300)
    query = Peaks(reference.frames[keep] - 1000, reference.pitches[keep])
    true = verify_alignment(query, reference, offset=1000.0, time_scale=1.0, pitch_shift=0.0)
    wrong = verify_alignment(query, reference, offset=1900.0, time_scale=1.0, pitch_shift=0.0)
    assert true.matched == len(query)
    assert true.z > 20 and true.z_halves > 10
    # The prescreen's cheap look agrees: every peak lands at the alignment, few elsewhere.
    aligned = quick_excess(query, reference, offset=1000.0, time_scale=1.0, pitch_shift=0.0)
    assert aligned > 0.9 * len(query)
    assert abs(quick_excess(query, reference, offset=1900.0, time_scale=1.0, pitch_shift=0.0)) < 5
    assert wrong.z < 4


def test_a_query_matching_in_one_half_only_has_a_weak_half() -> None:
    rng = np.random.default_rng(5)
    reference = random_peaks(rng, frames=3000, count=3000)
    keep = (reference.frames >= 1000) & (reference.frames < 1150)
    copied = Peaks(reference.frames[keep] - 1000, reference.pitches[keep])
    unrelated = random_peaks(rng, frames=150, count=int(keep.sum()))
    query = Peaks(
        np.concatenate([copied.frames, unrelated.frames + 150]),
        np.concatenate([copied.pitches, unrelated.pitches]),
    )
    verdict = verify_alignment(query, reference, offset=1000.0, time_scale=1.0, pitch_shift=0.0)
    assert verdict.z > 10
    assert verdict.z_halves < 3


def test_noise_weighted_envelopes_ignore_bands_the_noise_owns() -> None:
    rng = np.random.default_rng(6)
    reference = rng.integers(60, 200, (400, BANDS)).astype(np.uint8)
    query = reference[100:200].copy()
    # Loud noise in the upper half: 30 dB above the music, with its own fluctuations.
    query[:, 8:] = rng.integers(230, 250, (100, 8)).astype(np.uint8)
    offsets = np.array([300.0, 30.0, 600.0])  # STFT frames: the true one, then two wrong ones
    plain, weighted = envelope_agreement(
        query, reference, offsets=offsets, time_scale=1.0, pitch_shift=0.0
    )
    assert plain[0] == pytest.approx(0.5, abs=0.1)
    assert weighted[0] > 0.9
    assert abs(weighted[1]) < 0.3 and abs(weighted[2]) < 0.3


def test_weights_resting_on_a_few_bands_do_not_lift_unrelated_music() -> None:
    rng = np.random.default_rng(8)
    reference = rng.integers(40, 120, (400, BANDS)).astype(np.uint8)
    # Unrelated music, louder than the reference in all but two bands by 10 to 40 dB: the
    # weighting would rest on those two, and here they happen to follow the reference.
    query = rng.integers(60, 100, (100, BANDS)).astype(np.uint8)
    query[:, 2:] += np.linspace(40, 100, BANDS - 2).astype(np.uint8)[None, :]
    query[:, :2] = reference[100:200, :2]
    offsets = np.array([300.0, 30.0, 600.0])
    plain, weighted = envelope_agreement(
        query, reference, offsets=offsets, time_scale=1.0, pitch_shift=0.0
    )
    assert plain[0] < 0.3
    np.testing.assert_array_equal(weighted, plain)


def test_envelope_agreement_skips_offsets_that_barely_overlap_the_reference() -> None:
    rng = np.random.default_rng(9)
    reference = rng.integers(60, 200, (100, BANDS)).astype(np.uint8)
    query = reference[20:60].copy()
    offsets = np.array([60.0, 3 * 95.0, -3 * 60.0])  # aligned; 5 rows left; none overlap
    plain, weighted = envelope_agreement(
        query, reference, offsets=offsets, time_scale=1.0, pitch_shift=0.0
    )
    assert plain[0] == pytest.approx(1.0) and weighted[0] == pytest.approx(1.0)
    assert plain[1] == plain[2] == weighted[1] == weighted[2] == 0.0


def test_speed_change_is_undone_at_the_right_time_scale() -> None:
    signal = AudioSignal()
    index = signal.new_index()
    songs = {seed: synthetic_music(seed, 40.0) for seed in (31, 32, 33)}
    for seed, pcm in songs.items():
        index.add(seed, signal.fingerprint_pcm(pcm, RATE, role="reference"))
    query = tf.change_speed(songs[32][12 * RATE : 21 * RATE], RATE, 0.9)
    hits = index.query(signal.fingerprint_pcm(query, RATE))
    assert hits and hits[0].ref_id == 32
    assert hits[0].details["time_scale"] == pytest.approx(0.9, abs=0.015)
    assert hits[0].segments[0].reference[0] == pytest.approx(12.0, abs=0.5)


def resaved_with(edit: Callable[[dict[str, object]], None]) -> AudioIndex:
    """An index serialised, its stored settings edited as an older version wrote them."""
    signal = AudioSignal()
    index = signal.new_index()
    index.add(1, signal.fingerprint_pcm(synthetic_music(41, 20.0), RATE, role="reference"))
    data = index.serialize()
    (size,) = struct.unpack_from("<I", data)
    header = json.loads(data[4 : 4 + size])
    edit(header["params"])
    head = json.dumps(header).encode()
    return AudioIndex.deserialize(struct.pack("<I", len(head)) + head + data[4 + size :])


def test_an_index_saved_with_settings_since_retired_still_loads() -> None:
    restored = resaved_with(lambda params: params.update(max_bucket=200))
    assert restored.ref_ids() == {1}


def test_an_index_saved_with_one_bar_keeps_it_for_both_passes() -> None:
    def one_bar(params: dict[str, object]) -> None:
        del params["min_evidence_plain"]
        params["min_evidence"] = 5.2

    restored = resaved_with(one_bar)
    assert restored.params.min_evidence == restored.params.min_evidence_plain == 5.2


def scale_peaks(rng: np.random.Generator, frames: int, count: int) -> Peaks:
    """Music-like peaks: notes of one scale on a grid of beats, so that unrelated tracks
    share many peak pairs (random pitches would share almost none)."""
    at = np.sort(rng.integers(0, frames // 4, count) * 4).astype(np.int32)
    notes = np.array([0, 2, 4, 5, 7, 9, 11])[rng.integers(0, 7, count)]
    return Peaks(at, (notes + 12 * rng.integers(1, 4, count)).astype(np.float32))


def peaks_only(peaks: Peaks, seconds: float) -> Fingerprint:
    payload = encode_payload(peaks, np.zeros((0, BANDS), np.uint8))
    return Fingerprint(signal="audio", version=1, payload=payload, length=seconds, unit="s")


def test_voted_cells_ranked_by_single_peaks_find_a_copy_whose_pairs_broke() -> None:
    rng = np.random.default_rng(0)
    references = {ref_id: scale_peaks(rng, 20000, 20000) for ref_id in range(80)}
    copied = references[7]
    # Half the copy's peaks survive, each up to 0.3 semitone off (enough to change most pair
    # hashes, not enough to miss the reference peak), among twice as many noise peaks.
    survives = (copied.frames >= 1000) & (copied.frames < 1160)
    survives &= rng.random(copied.frames.size) < 0.5
    jitter = rng.uniform(-0.3, 0.3, int(survives.sum()))
    noise = scale_peaks(rng, 160, 2 * int(survives.sum()))
    frames = np.concatenate([copied.frames[survives] - 1000, noise.frames])
    pitches = np.concatenate([copied.pitches[survives] + jitter, noise.pitches])
    order = np.argsort(frames, kind="stable")
    query = Peaks(frames[order].astype(np.int32), pitches[order].astype(np.float32))
    index = AudioIndex(AudioMatchParams(prescreen=0))
    for ref_id, peaks in references.items():
        index.add(ref_id, peaks_only(peaks, 640.0))

    def finds_the_copy() -> bool:
        candidates = index._candidates(query, [(1.0, 0.0)])
        assert len(candidates) <= index.params.candidates
        return any(c.ref_slot == 7 and abs(c.offset - 1000) <= 3 for c in candidates)

    assert not finds_the_copy()  # its 3-5 votes are as many as hundreds of chance cells get
    index.params = AudioMatchParams(prescreen=200)
    assert finds_the_copy()


def test_a_vote_where_no_cell_reaches_the_minimum_gives_no_candidate() -> None:
    rng = np.random.default_rng(7)
    reference = random_peaks(rng, frames=2000, count=1500)
    table = HashTable.build({1: reference}, fanout=5)
    keep = reference.frames < 300
    query = Peaks(reference.frames[keep], reference.pitches[keep])
    assert table.vote(query, [(1.0, 0.0)], AudioMatchParams())
    assert table.vote(query, [(1.0, 0.0)], AudioMatchParams(min_votes=10**6)) == []


def test_time_step_tolerance_adds_each_pair_a_frame_shorter_and_longer() -> None:
    peaks = random_peaks(np.random.default_rng(3), frames=400, count=300)
    exact = hash_pairs(peaks, fanout=5)
    tolerant = hash_pairs(peaks, fanout=5, dt_tolerance=1)
    dt_mask = (1 << 6) - 1
    assert set(exact.hashes.tolist()) < set(tolerant.hashes.tolist())
    assert tolerant.hashes.size < 3 * exact.hashes.size  # steps of 1 and MAX_DT - 1 lose one
    steps = tolerant.hashes & dt_mask
    assert steps.min() >= 1 and steps.max() < MAX_DT
    # Each extra hash is an exact one with only its time step moved by one frame.
    exact_by_rest = {(h >> 6, f) for h, f in zip(exact.hashes, exact.anchor_frames, strict=True)}
    extra = tolerant.hashes[exact.hashes.size :]
    assert all(
        (h >> 6, f) in exact_by_rest
        for h, f in zip(extra, tolerant.anchor_frames[exact.hashes.size :], strict=True)
    )


def test_a_copy_cut_between_frames_gets_more_votes_with_time_step_tolerance() -> None:
    rng = np.random.default_rng(2)
    references = {ref_id: scale_peaks(rng, 6000, 6000) for ref_id in range(20)}
    copied = references[3]
    inside = (copied.frames >= 2000) & (copied.frames < 2320)
    # Cut half a frame off the reference's grid: each peak rounds to either neighbour.
    frames = copied.frames[inside] - 2000 + rng.integers(0, 2, int(inside.sum()))
    order = np.argsort(frames, kind="stable")
    query = Peaks(frames[order].astype(np.int32), copied.pitches[inside][order])
    table = HashTable.build(references, fanout=5)

    def copy_votes(params: AudioMatchParams) -> int:
        voted = table.vote(query, [(1.0, 0.0)], params)
        return max(
            (c.votes for c in voted if c.ref_slot == 3 and abs(c.offset - 2000) <= 3), default=0
        )

    exact = copy_votes(AudioMatchParams(dt_tolerance=0))
    assert copy_votes(AudioMatchParams(dt_tolerance=1)) > 1.5 * exact
