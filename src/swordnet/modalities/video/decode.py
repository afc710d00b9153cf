"""Decode the frames worth fingerprinting: about one a second, plus the first of each shot.

Decoding every frame of a 720p film costs more than everything else together, so the
decoder skips what sampling does not need: B-frames (no I- or P-frame refers to them)
and the in-loop deblocking filter, whose absence blurs nothing PDQ or ORB can see. A
stream whose keyframes are dense enough (live streams and HLS put one every 1-2 s) is
decoded keyframes only. Frames come out small (``side`` pixels on the long side): both
image tiers downsample further anyway.

Decoding is bounded by ``max_seconds`` (``budgets.video_max_seconds``) and ``max_frames``
(``budgets.video_max_frames``): a file whose container declares more seconds is refused
before a frame is decoded, and one that lies is refused as soon as its decoded frames pass
either budget. The frames are held until fingerprinted (about 170 kB each), so the frame
budget bounds the memory of one video.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import av
import numpy as np
import numpy.typing as npt

from swordnet.domain.errors import CorruptMediaError, MediaTooLargeError, over_budget

RGBFrame = npt.NDArray[np.uint8]
DEFAULT_MAX_SECONDS = 3 * 3600.0  # budgets.video_max_seconds: a long film
DEFAULT_MAX_FRAMES = 12_000  # budgets.video_max_frames: a sample a second for 3 h 20 min
SECONDS_SETTING = "budgets.video_max_seconds"
FRAMES_SETTING = "budgets.video_max_frames"


@dataclass(frozen=True, slots=True)
class SamplingParams:
    """Which frames to keep. Changing a value changes the fingerprint."""

    interval_s: float = 1.0  # one frame a second at most (and the first of each shot)
    side: int = 320  # long side of the frames handed to the image tiers
    scene_threshold: float = 28.0  # mean grey difference (0-255) of 16x9 thumbnails
    keyframe_only_gap_s: float = 1.1  # keyframes at least this dense: decode nothing else
    probe_packets: int = 600


@dataclass(frozen=True, slots=True)
class SampledFrame:
    time_s: float
    rgb: RGBFrame
    scene_cut: bool


@dataclass(frozen=True, slots=True)
class VideoInfo:
    duration_s: float
    width: int
    height: int
    fps: float
    keyframes_only: bool


def open_container(source: Path | bytes, name: str) -> Any:
    """Open a local file or bytes with PyAV; FFmpeg may open no other file or URL.

    A path goes through the ``file:`` protocol (a name like ``http:x`` is not a URL), and
    the protocol whitelist stops demuxers that follow references (HLS, concat lists) from
    reaching the network behind the address policy's back.
    """
    opened: str | BinaryIO
    if isinstance(source, Path):
        opened, allowed = f"file:{source.resolve()}", "file"
    else:
        opened, allowed = io.BytesIO(source), "pipe"
    try:
        return av.open(opened, mode="r", options={"protocol_whitelist": allowed})
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as error:
        raise CorruptMediaError(f"{name}: not a readable video file ({error})") from None


def sample_frames(
    source: Path | bytes,
    *,
    name: str,
    params: SamplingParams | None = None,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    max_frames: int = DEFAULT_MAX_FRAMES,
) -> tuple[VideoInfo, list[SampledFrame]]:
    """Decode the sampled frames of the first video stream of ``source``; refuse one over
    ``max_seconds`` (declared or decoded) or ``max_frames`` sampled frames."""
    params = params or SamplingParams()
    container = open_container(source, name)
    keyframes_only = _keyframes_are_dense(container, params)
    if not _rewound(container):
        container.close()
        container = open_container(source, name)
    with container:
        if not container.streams.video:
            raise CorruptMediaError(f"{name}: the file holds no video stream")
        stream = container.streams.video[0]
        _configure(stream, keyframes_only)
        frames: list[SampledFrame] = []
        failure: Exception | None = None
        last_time = 0.0
        declared = _declared_duration(container, stream)
        limit = f"{max_seconds:.0f} s"
        if declared > max_seconds:
            raise over_budget(
                name, f"{declared:.0f} s (declared by the file)", limit, SECONDS_SETTING
            )
        try:
            for time_s, rgb, cut in _iter_samples(container, stream, params, keyframes_only):
                if time_s > max_seconds:  # the container understated its length
                    raise over_budget(name, f"more than {limit} decoded", limit, SECONDS_SETTING)
                if len(frames) >= max_frames:
                    raise over_budget(
                        name,
                        f"more than {max_frames} frames",
                        f"{max_frames} frames",
                        FRAMES_SETTING,
                    )
                frames.append(SampledFrame(time_s, rgb, cut))
                last_time = time_s
        except MediaTooLargeError:
            raise
        except (av.FFmpegError, ValueError, OSError) as error:
            failure = error  # a damaged tail still leaves usable frames
        if not frames:
            reason = f" ({failure})" if failure is not None else ""
            raise CorruptMediaError(f"{name}: no video frame could be decoded{reason}")
        fps = float(stream.average_rate) if stream.average_rate else 0.0
        # A frame lasts 1/fps; without a frame rate, trust the declared duration if any.
        last_frame = 1.0 / fps if fps else (0.0 if declared > 0 else params.interval_s)
        duration = max(declared, last_time + last_frame)
        info = VideoInfo(
            duration_s=round(duration, 3),
            width=int(stream.codec_context.width or 0),
            height=int(stream.codec_context.height or 0),
            fps=round(fps, 3),
            keyframes_only=keyframes_only,
        )
        return info, frames


def _declared_duration(container: Any, stream: Any) -> float:
    if stream.duration:
        return float(stream.duration * stream.time_base)
    return container.duration / 1_000_000 if container.duration else 0.0


def _keyframes_are_dense(container: Any, params: SamplingParams) -> bool:
    """Look at the first packets: are keyframes at most ``keyframe_only_gap_s`` apart?"""
    times: list[float] = []
    seen = 0
    if not container.streams.video:
        return False
    try:
        for packet in container.demux(container.streams.video[0]):
            if packet.pts is None or packet.size == 0:
                continue
            seen += 1
            if packet.is_keyframe:
                times.append(float(packet.pts * packet.time_base))
            if seen >= params.probe_packets:
                break
    except (av.FFmpegError, ValueError, OSError):
        return False
    if len(times) < 3:
        return False
    gaps = np.diff(np.sort(np.asarray(times)))
    return bool(gaps.max() <= params.keyframe_only_gap_s)


def _rewound(container: Any) -> bool:
    """Back to the first packet after the probe (opening a file again costs ~20 ms).

    Only containers with an index seek back exactly: an MPEG program stream lands past
    its first keyframe, so the others are opened again.
    """
    if container.format.name not in _SEEKS_EXACTLY:
        return False
    try:
        container.seek(container.start_time or 0, backward=True, any_frame=False)
    except (av.FFmpegError, ValueError, OSError):
        return False
    return True


_SEEKS_EXACTLY = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"})


def _configure(stream: Any, keyframes_only: bool) -> None:
    context = stream.codec_context
    stream.thread_type = "SLICE"
    context.thread_count = 1  # one core per file: files are fingerprinted in parallel
    context.options = {"skip_loop_filter": "all", "flags2": "+fast"}
    # B-frames are never referenced by I- or P-frames, so skipping them all leaves the
    # remaining frames intact, a P-frame every few frames: plenty at one sample a second.
    context.skip_frame = "NONKEY" if keyframes_only else "BIDIR"


def _iter_samples(
    container: Any, stream: Any, params: SamplingParams, keyframes_only: bool
) -> Iterator[tuple[float, RGBFrame, bool]]:
    next_time = 0.0
    previous: npt.NDArray[np.float32] | None = None
    held: _Held | None = None  # the last decoded frame
    start: float | None = (
        float(stream.start_time * stream.time_base) if stream.start_time is not None else None
    )
    for frame in decode_tolerantly(container, stream):
        if frame.pts is None:
            continue
        time_s = float(frame.pts * frame.time_base)
        if start is None:
            start = time_s
        time_s -= start
        # Screen recordings store a frame only when the picture changes: the one on screen
        # at a sampling time is the last one decoded, however long ago. Sampling it there
        # keeps both sides of a match on the same clock (keyframes-only decoding skips
        # frames that were on screen, so it holds nothing).
        while (
            held is not None
            and not keyframes_only
            and time_s - next_time > params.interval_s / 2
            and held.time_s <= next_time
        ):
            yield round(next_time, 3), held.rgb(params.side), False
            next_time += params.interval_s
        held = _Held(time_s, frame)
        thumb = _luma_thumbnail(frame)
        cut = (
            previous is not None and float(np.abs(thumb - previous).mean()) > params.scene_threshold
        )
        previous = thumb
        if not (keyframes_only or cut or time_s >= next_time):
            continue
        yield round(time_s, 3), held.rgb(params.side), cut
        # From this frame on (a run of cuts, as in a cross-fade, must not push the next
        # sample further and further away).
        next_time = time_s + params.interval_s


class _Held:
    """A decoded frame, converted to a small RGB array once however often it is sampled."""

    def __init__(self, time_s: float, frame: Any) -> None:
        self.time_s = time_s
        self.frame = frame
        self._rgb: RGBFrame | None = None

    def rgb(self, side: int) -> RGBFrame:
        if self._rgb is None:
            width, height = _small_size(self.frame.width, self.frame.height, side)
            rgb = self.frame.to_ndarray(
                format="rgb24", width=width, height=height, interpolation="AREA"
            )
            self._rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        return self._rgb


def decode_tolerantly(container: Any, stream: Any, max_errors: int = 200) -> Iterator[Any]:
    """Decoded frames, skipping packets the decoder refuses (FFmpeg's own tools do the same).

    Real files carry the odd damaged packet; stopping at the first would lose the rest.
    """
    errors = 0
    for packet in container.demux(stream):
        try:
            frames = stream.decode(packet)
        except av.FFmpegError:
            errors += 1
            if errors > max_errors:
                raise
            continue
        yield from frames


def decode_audio_tolerantly(
    source: Path | bytes,
    *,
    name: str,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    setting: str = SECONDS_SETTING,
) -> npt.NDArray[np.float32]:
    """Mono PCM at the audio tier's rate, skipping packets the decoder refuses.

    The audio modality's decoder gives up on a file whose first audio packet is damaged
    (some AVI soundtracks); a soundtrack is worth keeping around a bad packet or two.
    """
    from swordnet.modalities.audio import ANALYSIS_RATE
    from swordnet.modalities.audio.decode import refuse_declared_length

    with open_container(source, name) as container:
        if not container.streams.audio:
            raise CorruptMediaError(f"{name}: the file holds no audio stream")
        stream = container.streams.audio[0]
        refuse_declared_length(container, stream, name, max_seconds, setting)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=ANALYSIS_RATE)
        chunks: list[npt.NDArray[np.float32]] = []
        total = 0
        try:
            for frame in decode_tolerantly(container, stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                    chunks.append(chunk)
                    total += chunk.size
                if total > max_seconds * ANALYSIS_RATE:
                    limit = f"{max_seconds:.0f} s"
                    raise over_budget(name, f"more than {limit} of audio decoded", limit, setting)
        except (av.FFmpegError, ValueError) as error:
            if not chunks:
                raise CorruptMediaError(f"{name}: no audio could be decoded ({error})") from None
    if not chunks:
        raise CorruptMediaError(f"{name}: no audio could be decoded")
    return np.nan_to_num(np.concatenate(chunks), nan=0.0, posinf=0.0, neginf=0.0)


def _luma_thumbnail(frame: Any) -> npt.NDArray[np.float32]:
    """A coarse grid of luma samples, read straight from the decoded plane (no scaling)."""
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
    height, width = frame.height, frame.width
    if rows.shape[0] < height or frame.format.name not in _PLANAR_LUMA:
        small = frame.to_ndarray(format="gray", width=16, height=9)
        return np.asarray(small, dtype=np.float32)
    return rows[_grid(height, width)].astype(np.float32)


@functools.lru_cache(maxsize=8)
def _grid(height: int, width: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    ys = np.linspace(0, height - 1, 9).astype(np.intp)
    xs = np.linspace(0, width - 1, 16).astype(np.intp)
    return np.ix_(ys, xs)  # type: ignore[return-value]


_PLANAR_LUMA = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"})


def _small_size(width: int, height: int, side: int) -> tuple[int, int]:
    long_side = max(width, height)
    if long_side <= side:
        return width - width % 2, height - height % 2
    ratio = side / long_side
    return max(2, round(width * ratio / 2) * 2), max(2, round(height * ratio / 2) * 2)
