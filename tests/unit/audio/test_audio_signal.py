"""Behaviour of the audio signal on small generated music (no media files, no network)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from swordnet.domain.errors import CorruptMediaError, MediaError, MediaTooLargeError
from swordnet.modalities.audio import AudioIndex, AudioSignal, AudioTooShortError
from swordnet.modalities.audio import transforms as tf
from swordnet.modalities.audio.decode import ANALYSIS_RATE, decode_audio, encode_audio
from swordnet.modalities.audio.synth import synthetic_music
from swordnet.plugins.signals import MediaInput

RATE = ANALYSIS_RATE


@pytest.fixture(scope="module")
def signal() -> AudioSignal:
    return AudioSignal()


@pytest.fixture(scope="module")
def songs() -> dict[int, np.ndarray]:
    return {seed: synthetic_music(seed, 32.0) for seed in (21, 22, 23, 24)}


@pytest.fixture(scope="module")
def index(signal: AudioSignal, songs: dict[int, np.ndarray]) -> AudioIndex:
    built = signal.new_index()
    for seed, pcm in songs.items():
        built.add(seed, signal.fingerprint_pcm(pcm, RATE, role="reference"))
    return built


def excerpt(pcm: np.ndarray, start: float, seconds: float) -> np.ndarray:
    return pcm[int(start * RATE) : int((start + seconds) * RATE)]


def test_excerpt_is_found_with_its_time_range(
    signal: AudioSignal, index: AudioIndex, songs: dict[int, np.ndarray]
) -> None:
    hits = index.query(signal.fingerprint_pcm(excerpt(songs[22], 12.0, 8.0), RATE))
    assert [hit.ref_id for hit in hits] == [22]
    segment = hits[0].segments[0]
    assert segment.unit == "s"
    assert segment.reference[0] == pytest.approx(12.0 + segment.query[0], abs=0.15)
    assert segment.query[1] - segment.query[0] > 6.0


@pytest.mark.parametrize(
    "degrade",
    [
        pytest.param(lambda x: tf.change_speed(x, RATE, 0.92), id="speed-0.92"),
        pytest.param(lambda x: tf.change_tempo(x, RATE, 1.08), id="tempo-1.08"),
        pytest.param(lambda x: tf.shift_pitch(x, RATE, -1.0), id="pitch-minus-1"),
        pytest.param(
            lambda x: tf.add_noise(x, tf.white_noise(x.size, np.random.default_rng(1)), 0.0),
            id="white-0dB",
        ),
    ],
)
def test_pirate_changes_still_match(
    signal: AudioSignal, index: AudioIndex, songs: dict[int, np.ndarray], degrade: object
) -> None:
    assert callable(degrade)
    query = degrade(excerpt(songs[23], 18.0, 10.0))
    hits = index.query(signal.fingerprint_pcm(query, RATE))
    assert hits and hits[0].ref_id == 23
    assert 0.5 <= hits[0].score <= 1.0


def test_speed_change_is_reported_in_details(
    signal: AudioSignal, index: AudioIndex, songs: dict[int, np.ndarray]
) -> None:
    query = tf.change_speed(excerpt(songs[21], 5.0, 10.0), RATE, 1.1)
    hit = index.query(signal.fingerprint_pcm(query, RATE))[0]
    assert hit.details["time_scale"] == pytest.approx(1.1, abs=0.03)


def test_unrelated_music_and_silence_match_nothing(signal: AudioSignal, index: AudioIndex) -> None:
    assert index.query(signal.fingerprint_pcm(synthetic_music(99, 10.0), RATE)) == []
    silent = signal.fingerprint_pcm(np.zeros(RATE * 10, np.float32), RATE)
    assert silent.meta["peaks"] == 0
    assert index.query(silent) == []


def test_short_query_is_a_clean_no_match_and_short_reference_an_error(
    signal: AudioSignal, index: AudioIndex, songs: dict[int, np.ndarray]
) -> None:
    short = excerpt(songs[22], 3.0, 1.5)
    assert index.query(signal.fingerprint_pcm(short, RATE)) == []
    with pytest.raises(AudioTooShortError):
        signal.fingerprint_pcm(short, RATE, role="reference")
    with pytest.raises(MediaError):
        signal.fingerprint_pcm(np.zeros(RATE * 30, np.float32), RATE, role="reference")


def test_pcm_at_another_rate_is_resampled(
    signal: AudioSignal, index: AudioIndex, songs: dict[int, np.ndarray]
) -> None:
    at_44k = tf.change_speed(excerpt(songs[24], 10.0, 8.0), RATE, RATE / 44100)
    hits = index.query(signal.fingerprint_pcm(at_44k, 44100))
    assert hits and hits[0].ref_id == 24


def test_index_persists_and_deletes_incrementally(
    signal: AudioSignal, index: AudioIndex, songs: dict[int, np.ndarray]
) -> None:
    restored = signal.load_index(index.serialize())
    assert isinstance(restored, AudioIndex)
    assert restored.ref_ids() == {21, 22, 23, 24}
    assert restored.reference_seconds() == pytest.approx(128.0, abs=0.5)
    query = signal.fingerprint_pcm(excerpt(songs[21], 25.0, 6.0), RATE)
    assert restored.query(query)[0].ref_id == 21
    restored.remove(21)
    assert all(hit.ref_id != 21 for hit in restored.query(query))
    restored.add(21, signal.fingerprint_pcm(songs[21], RATE, role="reference"))
    assert restored.query(query)[0].ref_id == 21


def test_files_in_containers_decode_including_a_long_file_limit(
    signal: AudioSignal, songs: dict[int, np.ndarray], tmp_path: Path
) -> None:
    data = encode_audio(songs[21][: RATE * 5], RATE, container_format="matroska", codec="aac")
    path = tmp_path / "track.mka"
    path.write_bytes(data)
    fingerprint = signal.fingerprint(MediaInput.from_path(path))
    assert fingerprint.length == pytest.approx(5.0, abs=0.2)  # AAC adds priming samples
    assert decode_audio(data, name="x", rate=16000).size == pytest.approx(80000, abs=2500)
    with pytest.raises(MediaTooLargeError, match=r"track\.mka"):
        AudioSignal(max_seconds=2.0).fingerprint(MediaInput.from_path(path))


def test_an_undecodable_first_packet_is_skipped_not_fatal(songs: dict[int, np.ndarray]) -> None:
    import io

    import av

    data = bytearray(
        encode_audio(
            songs[22][: RATE * 6], RATE, container_format="matroska", codec="ac3", codec_rate=48000
        )
    )
    with av.open(io.BytesIO(bytes(data))) as container:
        first = next(p for p in container.demux(container.streams.audio[0]) if p.size)
        assert first.pos is not None
        position, size = first.pos, first.size
    # Keep the AC3 sync word, scramble the rest: the decoder rejects this packet outright.
    noise = np.random.default_rng(1).integers(0, 256, size - 5, np.uint8)
    data[position + 5 : position + size] = noise.tobytes()
    pcm = decode_audio(bytes(data), name="damaged.mka")
    assert pcm.size / RATE == pytest.approx(6.0, abs=0.1)


@pytest.mark.parametrize(
    "payload",
    [b"", b"ID3" + b"\x00" * 50, b"OggS" + bytes(range(200)), b"RIFF\x10\x00\x00\x00WAVEfmt "],
)
def test_corrupt_input_raises_a_media_error_naming_the_file(
    signal: AudioSignal, payload: bytes
) -> None:
    with pytest.raises(CorruptMediaError, match=r"bad\.mp3"):
        signal.fingerprint(MediaInput(name="bad.mp3", data=payload))


def test_transforms_keep_length_where_they_should() -> None:
    pcm = synthetic_music(5, 6.0)
    rng = np.random.default_rng(0)
    assert tf.band_pass(pcm, RATE).size == pcm.size
    assert tf.add_reverb(pcm, RATE, rng).size == pcm.size
    assert tf.shift_pitch(pcm, RATE, 1.0).size == pytest.approx(pcm.size, rel=0.02)
    assert tf.change_tempo(pcm, RATE, 1.25).size == pytest.approx(pcm.size / 1.25, rel=0.02)
    assert tf.change_speed(pcm, RATE, 0.8).size == pytest.approx(pcm.size / 0.8, rel=0.01)
    noisy = tf.add_noise(pcm, tf.white_noise(pcm.size, rng), 10.0)
    residual = noisy - pcm
    snr = 10 * np.log10(np.mean(pcm.astype(np.float64) ** 2) / np.mean(residual**2))
    assert snr == pytest.approx(10.0, abs=0.5)
