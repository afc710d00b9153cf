"""The video fingerprint's payload: per sampled frame the image tiers' features, plus audio.

Frames keep the image modality's ``ImageFeatures`` (PDQ dihedral hashes, content box, ORB
keypoints) so the index can hand them to ``ImageIndex`` unchanged; the soundtrack keeps the
audio modality's own payload bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.image import ImageFeatures

PAYLOAD_VERSION = 1


@dataclass(frozen=True, slots=True)
class VideoFeatures:
    duration_s: float
    width: int
    height: int
    times: npt.NDArray[np.float32]  # seconds from the start, one per sampled frame
    frames: list[ImageFeatures]
    audio: bytes  # the audio signal's payload, empty when there is no usable soundtrack
    # Frames that open a shot: a copy cut in at a shot change starts exactly there.
    cuts: npt.NDArray[np.bool_] | None = None
    # Crops of the inner picture of a picture-in-picture upload, at their frames' times.
    insets: npt.NDArray[np.bool_] | None = None

    def cut_flags(self) -> npt.NDArray[np.bool_]:
        return _flags(self.cuts, len(self.frames))

    def inset_flags(self) -> npt.NDArray[np.bool_]:
        return _flags(self.insets, len(self.frames))

    def to_payload(self) -> bytes:
        frames = self.frames
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=np.array(
                [PAYLOAD_VERSION, self.width, self.height, round(self.duration_s * 1000)],
                dtype=np.int64,
            ),
            times=self.times.astype(np.float32),
            pdq=_stack([f.pdq for f in frames], (0, 8, 32), np.uint8),
            quality=np.array([f.pdq_quality for f in frames], dtype=np.int16),
            shapes=np.array(
                [[f.width, f.height, *f.content] for f in frames], dtype=np.int32
            ).reshape(-1, 6),
            counts=np.array([len(f.keypoints) for f in frames], dtype=np.int32),
            keypoints=_stack([f.keypoints for f in frames], (0, 2), np.float32),
            descriptors=_stack([f.descriptors for f in frames], (0, 32), np.uint8),
            poses=_stack([f.poses for f in frames], (0, 2), np.uint8),
            audio=np.frombuffer(self.audio, dtype=np.uint8),
            cuts=self.cut_flags(),
            insets=self.inset_flags(),
        )
        return buffer.getvalue()

    @classmethod
    def from_payload(cls, payload: bytes) -> VideoFeatures:
        try:
            with np.load(io.BytesIO(payload)) as arrays:
                version, width, height, duration_ms = (int(v) for v in arrays["header"])
                if version != PAYLOAD_VERSION:
                    raise CorruptMediaError(f"video fingerprint version {version} is unknown")
                frames: list[ImageFeatures] = []
                start = 0
                keypoints, descriptors, poses = (
                    arrays["keypoints"],
                    arrays["descriptors"],
                    arrays["poses"],
                )
                for pdq, quality, shape, count in zip(
                    arrays["pdq"],
                    arrays["quality"].tolist(),
                    arrays["shapes"].tolist(),
                    arrays["counts"].tolist(),
                    strict=True,
                ):
                    frame_width, frame_height, x0, y0, x1, y1 = shape
                    frames.append(
                        ImageFeatures(
                            width=frame_width,
                            height=frame_height,
                            content=(x0, y0, x1, y1),
                            pdq=pdq,
                            pdq_quality=quality,
                            keypoints=keypoints[start : start + count],
                            descriptors=descriptors[start : start + count],
                            poses=poses[start : start + count],
                        )
                    )
                    start += count
                return cls(
                    duration_s=duration_ms / 1000,
                    width=width,
                    height=height,
                    times=arrays["times"].astype(np.float32),
                    frames=frames,
                    audio=arrays["audio"].tobytes(),
                    cuts=arrays["cuts"].astype(bool) if "cuts" in arrays.files else None,
                    insets=arrays["insets"].astype(bool) if "insets" in arrays.files else None,
                )
        except (OSError, ValueError, KeyError) as error:
            raise CorruptMediaError(f"not a video fingerprint payload ({error})") from None


def _stack(
    parts: list[npt.NDArray[np.generic]], empty_shape: tuple[int, ...], dtype: type
) -> npt.NDArray[np.generic]:
    if not parts:
        return np.zeros(empty_shape, dtype)
    return np.concatenate([np.asarray(p, dtype=dtype).reshape(-1, *empty_shape[1:]) for p in parts])


def _flags(flags: npt.NDArray[np.bool_] | None, count: int) -> npt.NDArray[np.bool_]:
    if flags is None or len(flags) != count:
        return np.zeros(count, dtype=bool)
    return np.asarray(flags, dtype=bool)
