"""Generated videos for tests and the quick benchmark: panned pictures cut into shots, music.

Each shot pans across a generated picture (the image modality's ``synthetic_picture``) and
the soundtrack is the audio modality's ``synthetic_music``: both are busy enough for the
image and audio tiers, and every seed gives different content.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from swordnet.modalities.audio.synth import synthetic_music
from swordnet.modalities.image.signal import synthetic_picture

AUDIO_RATE = 16000


def synthetic_frames(
    seed: int, seconds: float, *, size: tuple[int, int] = (320, 180), fps: int = 10
) -> list[npt.NDArray[np.uint8]]:
    rng = np.random.default_rng(seed)
    width, height = size
    frames: list[npt.NDArray[np.uint8]] = []
    total = round(seconds * fps)
    shot_frames = 0
    picture = np.zeros((1, 1, 3), np.uint8)
    direction = (1.0, 0.0)
    shot = 0
    for index in range(total):
        if shot_frames == 0:
            shot_frames = int(rng.integers(2 * fps, 5 * fps))
            base = synthetic_picture(seed=seed * 1000 + shot, size=(width * 2, height * 2))
            picture = np.asarray(base, dtype=np.uint8)
            angle = float(rng.uniform(0, 2 * np.pi))
            direction = (float(np.cos(angle)), float(np.sin(angle)))
            shot += 1
            shot_start = index
        progress = (index - shot_start) / (5 * fps)
        x = int((0.5 + 0.15 * direction[0] * progress) * width)
        y = int((0.5 + 0.15 * direction[1] * progress) * height)
        window = picture[y : y + height, x : x + width]
        frames.append(np.ascontiguousarray(cv2.resize(window, (width, height))))
        shot_frames -= 1
    return frames


def write_video(
    path: Path,
    frames: list[npt.NDArray[np.uint8]],
    *,
    fps: int = 10,
    audio: npt.NDArray[np.float32] | None = None,
    audio_rate: int = AUDIO_RATE,
    crf: int = 23,
    keyframe_interval: int = 50,
) -> None:
    """Encode RGB frames (H.264, yuv420p) and optional mono PCM (AAC) with PyAV."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height = width - width % 2, height - height % 2
        video.pix_fmt = "yuv420p"
        video.options = {"crf": str(crf), "preset": "veryfast", "g": str(keyframe_interval)}
        video.codec_context.thread_count = 1
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=audio_rate, layout="mono")
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(rgb[: video.height, : video.width], format="rgb24")
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
        if sound is not None and audio is not None:
            _encode_audio(container, sound, audio, audio_rate)


def _encode_audio(
    container: av.container.OutputContainer,
    stream: av.AudioStream,
    pcm: npt.NDArray[np.float32],
    rate: int,
) -> None:
    frame = av.AudioFrame.from_ndarray(
        np.clip(pcm, -1, 1).astype(np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=rate)
    fifo = av.AudioFifo()
    for converted in [*resampler.resample(frame), *resampler.resample(None)]:
        fifo.write(converted)
    size = stream.codec_context.frame_size or 1024
    while fifo.samples > 0:
        chunk = fifo.read(min(size, fifo.samples), partial=True)
        if chunk is None:
            break
        chunk.pts = None
        for packet in stream.encode(chunk):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def synthetic_video(
    path: Path,
    seed: int,
    seconds: float,
    *,
    size: tuple[int, int] = (320, 180),
    fps: int = 10,
    with_audio: bool = True,
) -> Path:
    frames = synthetic_frames(seed, seconds, size=size, fps=fps)
    music = synthetic_music(seed=seed, seconds=seconds, rate=AUDIO_RATE) if with_audio else None
    write_video(path, frames, fps=fps, audio=music)
    return path
