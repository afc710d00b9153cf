"""The compiled inner loops of the audio index against plain, slow statements of the same rule."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from swordnet.modalities.audio import hashtable, verify
from swordnet.modalities.audio.hashtable import HashTable
from swordnet.modalities.audio.landmarks import (
    _ANCHOR_BITS,
    _DT_BITS,
    _STEP_BIAS,
    _STEP_BITS,
    MAX_DT,
    MAX_STEP_SEMITONES,
    Peaks,
    hash_pairs,
)
from swordnet.modalities.audio.params import AudioMatchParams
from swordnet.modalities.audio.synth import random_peaks


def test_pair_hashes_follow_the_pairing_rule() -> None:
    rng = np.random.default_rng(3)
    peaks = random_peaks(rng, count=300, frames=900)
    fanout = 4
    expected_hashes, expected_frames = [], []
    frames = peaks.frames.astype(np.float64) * 0.95
    pitches = peaks.pitches.astype(np.float64) + 0.5
    for a in range(len(peaks)):
        paired = 0
        for t in range(a + 1, min(len(peaks), a + 1 + 4 * fanout + 8)):
            dt = round(frames[t] - frames[a])
            step = pitches[t] - pitches[a]
            if paired == fanout or not (1 <= dt < MAX_DT and abs(step) < MAX_STEP_SEMITONES):
                continue
            paired += 1
            anchor = int(np.floor(pitches[a]))
            if 0 <= anchor < 1 << _ANCHOR_BITS:
                step_code = round(step * 2.0) + _STEP_BIAS
                expected_hashes.append(
                    (anchor << (_STEP_BITS + _DT_BITS)) | (step_code << _DT_BITS) | dt
                )
                expected_frames.append(frames[a])
    pairs = hash_pairs(peaks, fanout=fanout, time_scale=0.95, pitch_shift=0.5)
    assert pairs.hashes.tolist() == expected_hashes
    assert pairs.anchor_frames.tolist() == expected_frames


def test_the_vote_counts_every_entry_of_every_query_hash() -> None:
    rng = np.random.default_rng(5)
    references = {ref_id: random_peaks(rng, count=400, frames=1500) for ref_id in (4, 9, 17)}
    table = HashTable.build(references, fanout=5)
    query = Peaks(references[9].frames[100:220] - 200, references[9].pitches[100:220])
    params = AudioMatchParams(min_votes=1, max_bucket_ratio=1e9)
    pairs = hash_pairs(query, fanout=10)
    # Every (query hash, reference entry of that hash) pair, as (slot, 2-frame offset bin).
    expected: Counter[tuple[int, int]] = Counter()
    for key, anchor in zip(pairs.hashes.tolist(), pairs.anchor_frames.tolist(), strict=True):
        for slot, ref_id in enumerate(table.ref_ids):
            found = hash_pairs(references[ref_id], fanout=5)
            for frame in found.anchor_frames[found.hashes == key].tolist():
                expected[slot, (int(frame) - round(anchor)) >> 1] += 1
    voted = table.vote(query, [(1.0, 0.0)], params, limit=10**6)
    got = {(c.ref_slot, (int(c.offset) - 1) >> 1): c.votes for c in voted}
    # The vote adds the better neighbouring bin, and merges cells within 12 frames.
    best_slot, best_bin = max(expected, key=lambda cell: expected[cell])
    assert (best_slot, best_bin) == (table.ref_ids.index(9), 100)
    neighbours = max(expected[best_slot, best_bin - 1], expected[best_slot, best_bin + 1])
    assert got[best_slot, best_bin] == expected[best_slot, best_bin] + neighbours
    assert sum(expected.values()) == int(
        hashtable._count_votes(
            pairs.hashes,
            2 * hashtable._OFFSET_BIAS - np.rint(pairs.anchor_frames).astype(np.int64),
            table.starts,
            table.entries,
            table.frame_bits,
            10**9,
        ).sum()
    )


def test_the_top_counters_are_the_ones_with_most_votes() -> None:
    rng = np.random.default_rng(7)
    votes = rng.poisson(1.5, 1 << 12).astype(np.uint16)
    votes[rng.integers(0, votes.size, 30)] += 20
    filled = np.flatnonzero(votes >= 2)
    for keep in (1, 10, 45, 300, filled.size + 5):
        top = hashtable._top_bins(votes, filled, keep)
        assert top.size == min(keep, filled.size)
        assert len(set(top.tolist())) == top.size
        assert sorted(votes[top].tolist()) == sorted(votes[filled].tolist())[-top.size :]


def test_compiled_hit_counting_agrees_with_a_brute_force_count() -> None:
    rng = np.random.default_rng(11)
    reference = random_peaks(rng, count=2000, frames=4000)
    query = random_peaks(rng, count=150, frames=300)
    for scale, shift, offset in ((1.0, 0.0, 1200.0), (0.93, 1.3, 30.5), (1.1, -0.7, 3700.0)):
        frames = query.frames * scale
        pitches = query.pitches.astype(np.float64) + shift
        offsets = offset + np.array([0.0, -37.0, 53.0, -2.0])
        hits = verify._count_hits(frames, pitches, reference, offsets)
        for row, at in enumerate(offsets):
            near_time = np.abs(reference.frames[None, :] - (at + frames[:, None])) <= 1.0
            near_pitch = np.abs(reference.pitches[None, :] - pitches[:, None]) <= 0.5
            assert hits[row].tolist() == (near_time & near_pitch).any(axis=1).tolist()


def test_entries_are_stored_in_32_bits_while_they_fit_and_vote_alike_in_64() -> None:
    rng = np.random.default_rng(13)
    references = {ref_id: random_peaks(rng, count=300, frames=1200) for ref_id in range(1, 70)}
    table = HashTable.build(references, fanout=5)
    assert table.entries.dtype == np.uint32
    assert table.frame_bits == 11  # the latest anchor is below frame 1200 < 2^11
    # The same entries widened to slot << 27 | frame, as a table with huge references holds them.
    mask = (1 << table.frame_bits) - 1
    entries = table.entries.astype(np.int64)
    wide = replace(
        table,
        entries=((entries >> table.frame_bits) << hashtable._FRAME_BITS) | (entries & mask),
        frame_bits=hashtable._FRAME_BITS,
    )
    query = Peaks(references[40].frames[50:200] - 300, references[40].pitches[50:200])
    params = AudioMatchParams(min_votes=1)
    narrow_votes = table.vote(query, [(1.0, 0.0), (0.95, 0.5)], params, limit=50)
    assert narrow_votes == wide.vote(query, [(1.0, 0.0), (0.95, 0.5)], params, limit=50)
    assert narrow_votes[0].ref_slot == table.ref_ids.index(40)
    assert abs(narrow_votes[0].offset - 300) <= 2
    # Sixty-nine references, one of them 2^26 frames long: 7 + 27 bits do not fit in 32.
    references[70] = Peaks(
        (1 << 26) + np.array([0, 5, 9, 20], np.int32), np.array([10, 12, 15, 20], np.float32)
    )
    long_table = HashTable.build(references, fanout=5)
    assert long_table.entries.dtype == np.int64
    assert long_table.frame_bits == 27
    found = long_table.vote(query, [(1.0, 0.0)], params, limit=5)
    assert found[0].ref_slot == long_table.ref_ids.index(40)
    assert abs(found[0].offset - 300) <= 2
