"""Decode any container PyAV reads (audio files, the audio track of a video) to mono PCM.

Decoding is bounded by ``max_seconds`` (``budgets.audio_max_seconds``): a file whose
container declares more is refused before a packet is decoded, and one that lies is
refused as soon as its decoded samples pass the budget, so memory never exceeds the
budget's worth of PCM (115 MB an hour at 8 kHz). The fingerprint of part of a file is
never passed off as the file's: over the budget means refused, with the budget named.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
from numpy.typing import NDArray

from swordnet.domain.errors import CorruptMediaError, MediaTooLargeError, over_budget

ANALYSIS_RATE = 8000  # Hz: music identity lives below 4 kHz, and 8 kHz keeps ingest fast
# budgets.audio_max_seconds: an album or a long mix fits; fingerprinting a query costs about
# 1.3 GB an hour of audio (the spectrogram and its peak maps), so hours of it do not
DEFAULT_MAX_SECONDS = 3600.0
SECONDS_SETTING = "budgets.audio_max_seconds"
_RESAMPLE_BATCH_SECONDS = 2.0

FloatArray = NDArray[np.float32]


def decode_audio(
    source: Path | bytes | BinaryIO,
    *,
    name: str,
    rate: int = ANALYSIS_RATE,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    setting: str = SECONDS_SETTING,
) -> FloatArray:
    """Decode the first audio stream of ``source`` to mono float32 PCM at ``rate`` Hz.

    Raises ``CorruptMediaError`` when nothing can be decoded (not media, damaged, or no audio
    stream) and ``MediaTooLargeError`` naming ``setting`` when the container declares more
    than ``max_seconds`` or more than that is decoded.
    """
    opened: str | BinaryIO
    if isinstance(source, Path):
        opened = str(source)
    elif isinstance(source, bytes):
        opened = io.BytesIO(source)
    else:
        opened = source
    try:
        container = av.open(opened, mode="r")
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as error:
        raise CorruptMediaError(f"{name}: not a readable audio or video file ({error})") from None
    with container:
        if not container.streams.audio:
            raise CorruptMediaError(f"{name}: the file holds no audio stream")
        stream = container.streams.audio[0]
        refuse_declared_length(container, stream, name, max_seconds, setting)
        return _decode_stream(
            container, stream, name=name, rate=rate, max_seconds=max_seconds, setting=setting
        )


def declared_seconds(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    """How long the stream says it is (0 when it does not say)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / 1_000_000 if container.duration else 0.0


def refuse_declared_length(
    container: av.container.InputContainer,
    stream: av.stream.Stream,
    name: str,
    max_seconds: float,
    setting: str,
) -> None:
    """Refuse before decoding when the container declares more than ``max_seconds``."""
    declared = declared_seconds(container, stream)
    if declared > max_seconds:
        raise over_budget(
            name, f"{declared:.0f} s (declared by the file)", f"{max_seconds:.0f} s", setting
        )


def _decode_stream(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    *,
    name: str,
    rate: int,
    max_seconds: float,
    setting: str,
) -> FloatArray:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    # Decoded frames are small (a few ms); resampling each costs more in call overhead than
    # in arithmetic, so they are gathered and resampled a couple of seconds at a time.
    fifo = av.AudioFifo()
    batch = max(1, int(_RESAMPLE_BATCH_SECONDS * (stream.rate or rate)))
    max_samples = int(max_seconds * rate)
    chunks: list[FloatArray] = []
    failure: Exception | None = None

    def resample(frame: av.AudioFrame | None) -> int:
        produced = 0
        for out in resampler.resample(frame):
            chunk = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
            chunks.append(chunk)
            produced += chunk.size
        return produced

    total = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except (av.FFmpegError, ValueError) as error:
                # One bad packet (a damaged AC3 frame in an old AVI) must not lose the rest.
                failure = error
                continue
            for frame in frames:
                if fifo.samples and _layout_changed(fifo, frame):
                    total += resample(fifo.read())
                frame.pts = None  # the fifo checks timestamps; the resampler needs none
                fifo.write(frame)
            while fifo.samples >= batch:
                total += resample(fifo.read(batch))
            if total > max_samples:  # the container understated its length
                raise over_budget(
                    name, f"more than {max_seconds:.0f} s decoded", f"{max_seconds:.0f} s", setting
                )
    except MediaTooLargeError:
        raise
    except (av.FFmpegError, ValueError, OSError) as error:
        # A damaged container tail still leaves usable audio; only an undecodable file is
        # an error.
        failure = error
    try:
        if fifo.samples:
            resample(fifo.read())
        resample(None)
    except (av.FFmpegError, ValueError) as error:
        failure = error
    if not chunks:
        reason = f" ({failure})" if failure is not None else ""
        raise CorruptMediaError(f"{name}: no audio could be decoded{reason}")
    pcm = np.concatenate(chunks)
    if not np.all(np.isfinite(pcm)):
        pcm = np.nan_to_num(pcm, nan=0.0, posinf=0.0, neginf=0.0)
    return pcm


def _layout_changed(fifo: av.AudioFifo, frame: av.AudioFrame) -> bool:
    """A stream may change channels or rate mid-way (a TV recording's ad break)."""
    return (
        fifo.format.name != frame.format.name
        or fifo.layout.name != frame.layout.name
        or fifo.sample_rate != frame.sample_rate
    )


def write_audio(
    path: Path, samples: FloatArray, rate: int, *, codec: str = "pcm_s16le", bit_rate: int = 0
) -> None:
    """Write mono float PCM to ``path`` (the container follows the suffix) through PyAV."""
    path.write_bytes(
        encode_audio(
            samples, rate, container_format=_format_for(path), codec=codec, bit_rate=bit_rate
        )
    )


def encode_audio(
    samples: FloatArray,
    rate: int,
    *,
    container_format: str,
    codec: str,
    bit_rate: int = 0,
    codec_rate: int | None = None,
) -> bytes:
    """Encode mono float PCM in memory, resampling to ``codec_rate`` when the codec needs it."""
    buffer = io.BytesIO()
    out_rate = codec_rate or rate
    with av.open(buffer, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=out_rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        if bit_rate:
            stream.bit_rate = bit_rate
        pcm = np.clip(samples, -1.0, 1.0).astype(np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="flt", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(
            format=stream.codec_context.format, layout="mono", rate=out_rate
        )
        frame_size = stream.codec_context.frame_size or 1024
        fifo = av.AudioFifo()
        for converted in resampler.resample(frame):
            fifo.write(converted)
        for converted in resampler.resample(None):
            fifo.write(converted)
        while fifo.samples > 0:
            chunk = fifo.read(min(frame_size, fifo.samples), partial=True)
            if chunk is None:
                break
            chunk.pts = None
            for packet in stream.encode(chunk):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


_FORMATS = {
    ".wav": "wav",
    ".flac": "flac",
    ".mp3": "mp3",
    ".ogg": "ogg",
    ".opus": "ogg",
    ".m4a": "mp4",
    ".mka": "matroska",
}


def _format_for(path: Path) -> str:
    return _FORMATS.get(path.suffix.lower(), "wav")
