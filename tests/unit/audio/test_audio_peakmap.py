"""The query's peak map: the reference's peaks looked up in the query, and its payload."""

from __future__ import annotations

import numpy as np
import pytest

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.audio import AudioSignal
from swordnet.modalities.audio import transforms as tf
from swordnet.modalities.audio.decode import ANALYSIS_RATE
from swordnet.modalities.audio.landmarks import FRAME_SECONDS, analyse, analyse_query
from swordnet.modalities.audio.payload import decode_payload, decode_query_payload
from swordnet.modalities.audio.peakmap import reverse_z
from swordnet.modalities.audio.synth import synthetic_music

RATE = ANALYSIS_RATE


def test_reference_peaks_stand_out_in_a_copy_under_0_db_noise_only_when_aligned() -> None:
    music = synthetic_music(3, 60.0, rate=RATE)
    reference, _ = analyse(music, per_second=12.0)
    start = 20.0
    cut = music[int(start * RATE) : int((start + 8.0) * RATE)]
    noisy = tf.add_noise(cut, tf.white_noise(cut.size, np.random.default_rng(1)), 0.0)
    _, _, query_map, _, _ = analyse_query(noisy, per_second=20.0)
    offset = start / FRAME_SECONDS
    kwargs = {"time_scale": 1.0, "pitch_shift": 0.0}
    aligned = reverse_z(query_map, reference.frames, reference.pitches, offset=offset, **kwargs)
    wrong = reverse_z(query_map, reference.frames, reference.pitches, offset=offset + 500, **kwargs)
    assert aligned > 4.0
    assert aligned > wrong + 3.0


def test_queries_carry_a_peak_map_and_references_do_not() -> None:
    signal = AudioSignal()
    music = synthetic_music(5, 12.0, rate=RATE)
    query = signal.fingerprint_pcm(music, RATE)
    reference = signal.fingerprint_pcm(music, RATE, role="reference")
    peaks, envelopes, query_map = decode_query_payload(query.payload)
    assert query_map is not None and query_map.shape[0] > 300
    assert decode_query_payload(reference.payload)[2] is None
    # Readers of peaks and envelopes see the same thing in both layouts.
    assert len(decode_payload(query.payload)[0]) == len(peaks)
    assert decode_payload(query.payload)[1].shape == envelopes.shape
    with pytest.raises(CorruptMediaError):
        decode_query_payload(query.payload[:-4])
