"""Generated photos and music for the demonstration catalogue, and their pirated copies.

The pictures and tunes are drawn by code (the image and audio modalities' generators), so
they are nobody's work; the copies go through the modalities' own pirate transforms.
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from swordnet.modalities.audio import transforms as audio_transforms
from swordnet.modalities.audio.synth import synthetic_music
from swordnet.modalities.image import transforms as image_transforms
from swordnet.modalities.image.signal import synthetic_picture

MUSIC_RATE = 22050


@lru_cache(maxsize=64)
def photo(seed: int) -> Image.Image:
    """A generated photo; cached, so treat it as read-only (transforms return copies)."""
    return synthetic_picture(seed, (800, 600))


def book_cover(title: str, seed: int) -> Image.Image:
    """A plain typographic cover: a colour field, a frame and the title."""
    rng = random.Random(seed)
    background = tuple(rng.randrange(40, 200) for _ in range(3))
    image = Image.new("RGB", (400, 600), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 380, 580), outline=(245, 240, 230), width=6)
    draw.text((60, 260), title.encode("ascii", "replace").decode(), fill=(250, 250, 250))
    return image


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


PhotoTransform = Callable[[Image.Image, random.Random], Image.Image]

PHOTO_COPIES: dict[str, PhotoTransform] = {
    "recompressed and resized": lambda image, rng: image_transforms.resize(image, rng, (0.5, 0.7)),
    "cropped to 70%": lambda image, rng: image_transforms.crop(image, rng, 0.7),
    "mirrored": image_transforms.flip,
    "captioned": image_transforms.text_overlay,
}


@lru_cache(maxsize=32)
def music(seed: int, seconds: float = 30.0) -> NDArray[np.float32]:
    """A generated tune; cached, so treat it as read-only."""
    samples = synthetic_music(seed, seconds, MUSIC_RATE)
    samples.setflags(write=False)
    return samples


def encode_audio(samples: NDArray[np.float32], codec: str = "mp3", bit_rate: int = 96000) -> bytes:
    """Encode mono PCM at MUSIC_RATE to an MP3 (or other) file in memory with PyAV."""
    buffer = io.BytesIO()
    container_format = {"mp3": "mp3", "libvorbis": "ogg", "pcm_s16le": "wav"}[codec]
    with av.open(buffer, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=MUSIC_RATE)
        assert isinstance(stream, av.audio.stream.AudioStream)
        stream.bit_rate = bit_rate
        pcm = np.clip(samples, -1.0, 1.0).astype(np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="flt", layout="mono")
        frame.sample_rate = MUSIC_RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


AudioTransform = Callable[[NDArray[np.float32], random.Random], NDArray[np.float32]]


def _excerpt(
    samples: NDArray[np.float32], rng: random.Random, seconds: float = 20.0
) -> NDArray[np.float32]:
    length = int(seconds * MUSIC_RATE)
    start = rng.randrange(0, max(1, len(samples) - length))
    return samples[start : start + length]


MUSIC_COPIES: dict[str, AudioTransform] = {
    "20 s excerpt": _excerpt,
    "sped up 5%": lambda samples, rng: audio_transforms.change_speed(
        _excerpt(samples, rng), MUSIC_RATE, 1.05
    ).astype(np.float32),
    "under 10 dB noise": lambda samples, rng: audio_transforms.add_noise(
        _excerpt(samples, rng),
        audio_transforms.white_noise(
            int(20 * MUSIC_RATE), np.random.default_rng(rng.randrange(1 << 30))
        ),
        10.0,
    ).astype(np.float32),
}


@lru_cache(maxsize=4)
def video(seed: int, seconds: float = 40.0) -> bytes:
    """A generated film (moving shots of generated pictures, with a generated score), MP4."""
    from swordnet.modalities.video.synth import synthetic_video

    with tempfile.TemporaryDirectory() as directory:
        path = synthetic_video(Path(directory) / "film.mp4", seed, seconds)
        return path.read_bytes()


@lru_cache(maxsize=4)
def hls_restream(seed: int, start: float = 5.0, seconds: float = 25.0) -> dict[str, bytes]:
    """A mirrored excerpt of ``video(seed)`` cut into an HLS stream: file name -> bytes
    (``index.m3u8`` and its ``.ts`` segments)."""
    from swordnet.modalities.video import transforms as video_transforms

    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        source = folder / "film.mp4"
        source.write_bytes(video(seed))
        excerpt = folder / "excerpt.mp4"
        video_transforms.simple("flip", source, excerpt, start, seconds, random.Random(seed))
        stream = folder / "stream"
        stream.mkdir()
        command = [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(excerpt),
            "-c",
            "copy",
            "-f",
            "hls",
            "-hls_time",
            "5",
            "-hls_playlist_type",
            "vod",
            "-hls_segment_filename",
            str(stream / "seg%03d.ts"),
            str(stream / "index.m3u8"),
        ]
        subprocess.run(command, check=True, capture_output=True)
        return {path.name: path.read_bytes() for path in sorted(stream.iterdir())}
