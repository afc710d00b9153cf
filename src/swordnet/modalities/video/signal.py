"""The video signal: sampled frames through the image tiers, the soundtrack through audio."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

import av
import numpy as np

from swordnet.domain.errors import CorruptMediaError, MediaError, UnsupportedMediaError
from swordnet.modalities.audio import ANALYSIS_RATE, AudioSignal, decode_audio
from swordnet.modalities.image import FeatureParams, ImageFeatures, ImageSignal
from swordnet.modalities.video.decode import (
    DEFAULT_MAX_FRAMES,
    DEFAULT_MAX_SECONDS,
    SECONDS_SETTING,
    SamplingParams,
    decode_audio_tolerantly,
    sample_frames,
)
from swordnet.modalities.video.hls import FetchedVideo
from swordnet.modalities.video.index import VideoIndex, VideoIndexParams
from swordnet.modalities.video.inset import crop_inset, find_inset
from swordnet.modalities.video.payload import VideoFeatures
from swordnet.plugins.signals import (
    ConformanceSamples,
    Fingerprint,
    Labels,
    MediaInput,
    Role,
    SignalType,
)

if TYPE_CHECKING:
    from swordnet.settings import Settings

VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mkv", ".webm", ".avi", ".mov", ".flv", ".ts", ".mpg", ".mpeg", ".m4v", ".ogv"}
)
PLAYLIST_TYPES = ("application/vnd.apple.mpegurl", "application/x-mpegurl")

# Frames are small already (``SamplingParams.side``); ORB runs on them as they are.
FRAME_FEATURES = FeatureParams(
    pdq_side=320,
    reference_side=320,
    query_side=320,
    reference_keypoints=64,
    query_keypoints=256,
)


class VideoSignal(SignalType):
    name: ClassVar[str] = "video"
    modality: ClassVar[str] = "video"
    units: ClassVar[Mapping[str, Labels]] = {"s": {"zh": "秒", "en": "seconds"}}
    link_suffixes: ClassVar[Mapping[str, str]] = {
        **dict.fromkeys((".mp4", ".webm", ".mkv", ".mov"), "video"),
        ".m3u8": "hls",
    }
    # an HLS playlist is a video: fetched, assembled and fingerprinted as one
    followed_media_kinds: ClassVar[frozenset[str]] = frozenset({"video", "hls"})
    auto_confirm_default: ClassVar[float | None] = 0.9
    notice_labels: ClassVar[Labels] = {"zh": "视频", "en": "video"}
    default_work_kind: ClassVar[str] = "film"
    version: ClassVar[int] = 1
    file_extensions: ClassVar[frozenset[str]] = VIDEO_EXTENSIONS | {".m3u8"}
    media_types: ClassVar[tuple[str, ...]] = ("video/", *PLAYLIST_TYPES)
    index_class = VideoIndex

    def __init__(
        self,
        sampling: SamplingParams | None = None,
        index: VideoIndexParams | None = None,
        *,
        with_audio: bool = True,
        max_seconds: float = DEFAULT_MAX_SECONDS,
        max_frames: int = DEFAULT_MAX_FRAMES,
    ) -> None:
        self.sampling = sampling or SamplingParams()
        self.index_params = index or VideoIndexParams()
        self.with_audio = with_audio
        self.max_seconds = max_seconds
        self.max_frames = max_frames
        self.frames = ImageSignal(FRAME_FEATURES, work_side=self.sampling.side)
        self.audio = AudioSignal(self.index_params.audio, max_seconds=max_seconds)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        budgets = settings.budgets
        return cls(max_seconds=budgets.video_max_seconds, max_frames=budgets.video_max_frames)

    def fingerprint(self, media: MediaInput, *, role: Role = "query") -> Fingerprint:
        source: Path | bytes
        if media.data is None and media.path is not None:
            if media.max_bytes is not None and media.size() > media.max_bytes:
                media.read()  # raises MediaTooLargeError with the standard message
            source = media.path
        else:
            source = media.read()
        if _is_playlist(media, source):
            raise UnsupportedMediaError(
                f"{media.name}: an HLS playlist; fetch it with swordnet.modalities.video.hls"
            )
        features = self.extract(source, name=media.name, role=role)
        return self.to_fingerprint(features)

    def fingerprint_fetched(self, fetched: FetchedVideo, *, role: Role = "query") -> Fingerprint:
        """Fingerprint a video or HLS stream fetched by ``hls.fetch_video`` (never by FFmpeg)."""
        fingerprint = self.to_fingerprint(self.extract(fetched.data, name=fetched.url, role=role))
        fingerprint.meta.update(
            {"url": fetched.url, "hls_segments": fetched.segments, "cut": fetched.cut}
        )
        return fingerprint

    def extract(self, source: Path | bytes, *, name: str, role: Role = "query") -> VideoFeatures:
        """The features behind ``fingerprint``: sampled frames and the soundtrack's peaks."""
        try:
            info, sampled = sample_frames(
                source,
                name=name,
                params=self.sampling,
                max_seconds=self.max_seconds,
                max_frames=self.max_frames,
            )
            frames = self._frame_features([s.rgb for s in sampled], role)
            box = find_inset([s.rgb for s in sampled]) if role == "query" else None
            if box is not None:
                side = self.sampling.side
                frames += self._frame_features(
                    [crop_inset(s.rgb, box, side) for s in sampled], role
                )
        except MediaError:
            raise
        except (av.FFmpegError, ValueError, OSError, RuntimeError) as error:
            raise CorruptMediaError(f"{name}: the video could not be decoded ({error})") from None
        insets = len(frames) > len(sampled)
        times = np.array([s.time_s for s in sampled], dtype=np.float32)
        cuts = np.array([s.scene_cut for s in sampled], dtype=bool)
        return VideoFeatures(
            duration_s=info.duration_s,
            width=info.width,
            height=info.height,
            times=np.concatenate([times, times]) if insets else times,
            frames=frames,
            audio=self._soundtrack(source, name, role) if self.with_audio else b"",
            cuts=np.concatenate([cuts, np.zeros_like(cuts)]) if insets else cuts,
            insets=np.repeat([False, True], len(sampled)) if insets else None,
        )

    def _frame_features(self, pictures: list[np.ndarray], role: Role) -> list[ImageFeatures]:
        """Features of each picture; a held frame sampled again is not extracted again."""
        features: list[ImageFeatures] = []
        for position, picture in enumerate(pictures):
            if position and picture is pictures[position - 1]:
                features.append(features[-1])
            else:
                features.append(self.frames.extract_frame(picture, role=role))
        return features

    def _soundtrack(self, source: Path | bytes, name: str, role: Role) -> bytes:
        try:
            try:
                pcm = decode_audio(
                    source, name=name, max_seconds=self.max_seconds, setting=SECONDS_SETTING
                )
            except CorruptMediaError:
                pcm = decode_audio_tolerantly(source, name=name, max_seconds=self.max_seconds)
            return self.audio.fingerprint_pcm(pcm, ANALYSIS_RATE, role=role, name=name).payload
        except MediaError:
            return b""  # no soundtrack, or too quiet to identify: the picture still counts

    def to_fingerprint(self, features: VideoFeatures) -> Fingerprint:
        return Fingerprint(
            signal=self.name,
            version=self.version,
            payload=features.to_payload(),
            length=features.duration_s,
            unit="s",
            meta={
                "width": features.width,
                "height": features.height,
                "frames": len(features.frames),
                "audio": bool(features.audio),
            },
        )

    def new_index(self) -> VideoIndex:
        return VideoIndex(self.index_params)

    @classmethod
    def conformance_samples(cls, workdir: Path) -> ConformanceSamples:
        import cv2

        from swordnet.modalities.video.synth import synthetic_frames, write_video

        reference = synthetic_frames(seed=21, seconds=14.0)
        copy = [
            np.asarray(cv2.resize(f, (240, 136)), np.uint8) for f in reference[40:110]
        ]  # 4-11 s, smaller
        write_video(workdir / "reference.mp4", reference)
        write_video(workdir / "copy.mkv", copy, crf=30)
        write_video(workdir / "unrelated.mp4", synthetic_frames(seed=22, seconds=10.0))
        garbage = workdir / "garbage.mp4"
        garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + random.Random(3).randbytes(3000))
        return ConformanceSamples(
            reference=MediaInput.from_path(workdir / "reference.mp4"),
            copy=MediaInput.from_path(workdir / "copy.mkv"),
            unrelated=MediaInput.from_path(workdir / "unrelated.mp4"),
            garbage=MediaInput.from_path(garbage),
        )


def _is_playlist(media: MediaInput, source: Path | bytes) -> bool:
    if media.suffix == ".m3u8":
        return True
    if media.media_type and media.media_type.split(";")[0].strip().lower() in PLAYLIST_TYPES:
        return True
    if isinstance(source, bytes):
        head = source[:16]
    else:
        try:
            with source.open("rb") as file:
                head = file.read(16)
        except OSError:
            return False  # decoding then says what is wrong with the file
    return head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"#EXTM3U")
