"""Sampling frames from files and bytes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.video.decode import SamplingParams, sample_frames
from swordnet.modalities.video.synth import synthetic_frames, write_video


def test_samples_about_one_frame_a_second(clips: dict[str, Path]) -> None:
    info, frames = sample_frames(clips["a"], name="a.mp4")
    assert 23.0 <= info.duration_s <= 25.0 and (info.width, info.height) == (320, 180)
    times = np.array([f.time_s for f in frames])
    assert 22 <= len(frames) <= 36 and times[0] == 0.0
    assert np.all(np.diff(times) > 0) and np.max(np.diff(times)) <= 2.0
    assert frames[0].rgb.shape == (180, 320, 3) and frames[0].rgb.dtype == np.uint8
    assert any(f.scene_cut for f in frames)  # the clip is cut into shots


def test_bytes_and_path_give_the_same_frames(clips: dict[str, Path]) -> None:
    _, from_path = sample_frames(clips["silent"], name="silent.mkv")
    _, from_bytes = sample_frames(clips["silent"].read_bytes(), name="silent.mkv")
    assert [f.time_s for f in from_path] == [f.time_s for f in from_bytes]


def test_dense_keyframes_are_decoded_alone(tmp_path: Path) -> None:
    path = tmp_path / "dense.mp4"
    write_video(path, synthetic_frames(seed=5, seconds=6.0), keyframe_interval=10)
    info, frames = sample_frames(path, name="dense.mp4", params=SamplingParams())
    assert info.keyframes_only and 5 <= len(frames) <= 7


def test_garbage_and_audio_only_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "x.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with pytest.raises(CorruptMediaError, match=r"x\.mp4"):
        sample_frames(garbage, name="x.mp4")
    with pytest.raises(CorruptMediaError, match="video"):
        sample_frames(b"", name="empty.mp4")


def test_playlists_in_disguise_are_not_decoded(tmp_path: Path) -> None:
    from swordnet.domain.errors import UnsupportedMediaError
    from swordnet.modalities.video import VideoSignal
    from swordnet.plugins.signals import MediaInput

    disguised = tmp_path / "movie.mp4"
    disguised.write_bytes(b"#EXTM3U\n#EXTINF:2,\nhttp://127.0.0.1:9/seg.ts\n#EXT-X-ENDLIST\n")
    with pytest.raises(UnsupportedMediaError, match="HLS"):
        VideoSignal().fingerprint(MediaInput.from_path(disguised))
    with pytest.raises(UnsupportedMediaError, match="HLS"):
        VideoSignal().fingerprint(MediaInput(name="x.ts", data=disguised.read_bytes()))


def _screen_recording(path: Path) -> None:
    """A recording that stores a frame only when the picture changes: 2 s of frames, a
    picture held for 5 s (no frames at all), then 2 s more."""
    import av

    pictures = synthetic_frames(seed=6, seconds=4.0)
    times = [i / 10 for i in range(20)] + [7.0 + i / 10 for i in range(20)]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height = pictures[0].shape[1], pictures[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for time_s, rgb in zip(times, pictures, strict=False):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = round(time_s * 1000), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def test_a_held_picture_is_sampled_on_the_clock(tmp_path: Path) -> None:
    path = tmp_path / "recording.mkv"
    _screen_recording(path)
    _, frames = sample_frames(path, name="recording.mkv")
    times = np.array([f.time_s for f in frames])
    held = [f for f in frames if 2.0 <= f.time_s < 7.0]
    assert np.max(np.diff(times)) <= 1.2 and len(held) >= 4
    # What is on screen then is the last picture before the gap.
    assert all(f.rgb is held[0].rgb for f in held)


def test_a_run_of_cuts_does_not_delay_the_next_samples(tmp_path: Path) -> None:
    # Two seconds of flashes (every frame a cut, as in a cross-fade), then a still shot.
    flashes = [np.full((90, 160, 3), 255 * (i % 2), np.uint8) for i in range(20)]
    still = synthetic_frames(seed=8, seconds=1.0)[0][:90, :160]
    path = tmp_path / "flashes.mp4"
    write_video(path, [*flashes, *[still] * 50], fps=10)
    _, frames = sample_frames(path, name="flashes.mp4")
    after = [f.time_s for f in frames if f.time_s > 2.5]
    assert len(after) >= 4 and after[0] <= 3.2
