"""The dense scan: music under a voice, found through a second vote by denser query peaks."""

from __future__ import annotations

import numpy as np
import pytest

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.audio import AudioIndex, AudioMatchParams, AudioSignal
from swordnet.modalities.audio import transforms as tf
from swordnet.modalities.audio.decode import ANALYSIS_RATE
from swordnet.modalities.audio.landmarks import Peaks
from swordnet.modalities.audio.payload import decode_all, encode_payload
from swordnet.modalities.audio.synth import synthetic_music

RATE = ANALYSIS_RATE


def test_query_payloads_carry_the_dense_peaks_and_older_ones_still_decode() -> None:
    signal = AudioSignal()
    music = synthetic_music(5, 12.0, rate=RATE)
    query = decode_all(signal.fingerprint_pcm(music, RATE).payload)
    assert query.dense_peaks is not None
    assert len(query.dense_peaks) > 1.5 * len(query.peaks)
    # The dense peaks are a superset of the peaks.

    def cells(peaks: Peaks) -> set[tuple[int, float]]:
        return set(zip(peaks.frames.tolist(), peaks.pitches.tolist(), strict=True))

    assert cells(query.peaks) <= cells(query.dense_peaks)
    reference = decode_all(signal.fingerprint_pcm(music, RATE, role="reference").payload)
    assert reference.dense_peaks is None
    older = encode_payload(
        query.peaks, query.envelopes, query.peak_map, points=query.points, phases=query.phases
    )
    assert decode_all(older).dense_peaks is None and decode_all(older).phases is not None
    with pytest.raises(CorruptMediaError):
        decode_all(signal.fingerprint_pcm(music, RATE).payload[:-3])


def test_the_dense_scan_finds_music_a_voice_hides_from_the_first_vote() -> None:
    signal = AudioSignal()
    music = {ref_id: synthetic_music(100 + ref_id, 40.0, rate=RATE) for ref_id in range(30)}
    with_scan, without = AudioIndex(), AudioIndex(AudioMatchParams(dense_scan=0))
    for ref_id, pcm in music.items():
        fingerprint = signal.fingerprint_pcm(pcm, RATE, role="reference")
        with_scan.add(ref_id, fingerprint)
        without.add(ref_id, fingerprint)
    rng = np.random.default_rng(0)
    found: dict[str, set[tuple[int, float]]] = {"with": set(), "without": set()}
    for trial in range(8):
        ref_id = int(rng.integers(30))
        start = int(rng.integers(0, 25 * RATE))
        cut = music[ref_id][start : start + 8 * RATE]
        voice = tf.speech(8.0, RATE, np.random.default_rng(trial))
        for below in (16.0, 20.0):  # the voice this many dB above the music
            query = signal.fingerprint_pcm(
                tf.mix_under_speech(cut, voice, music_below_db=below), RATE
            )
            for name, index in (("with", with_scan), ("without", without)):
                hits = index.query(query)
                assert not hits or hits[0].ref_id == ref_id  # never a wrong answer
                if hits:
                    found[name].add((trial, below))
    assert found["without"] <= found["with"]
    assert len(found["with"]) >= len(found["without"]) + 2
