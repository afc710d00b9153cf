"""The image signal: PDQ and ORB features of a picture, matched by a two-tier index.

``fingerprint`` reads files or bytes; ``fingerprint_frame`` takes an already decoded RGB
array (a video frame, a picture extracted from a page) so other modalities can reuse the
matcher without encoding pictures again.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

import numpy as np
from PIL import Image, ImageDraw

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.image.decode import DEFAULT_MAX_PIXELS, DecodedImage, decode_image
from swordnet.modalities.image.features import FeatureParams, ImageFeatures, extract_features
from swordnet.modalities.image.index import ImageIndex, ImageIndexParams
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

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})


class ImageSignal(SignalType):
    name: ClassVar[str] = "image"
    modality: ClassVar[str] = "image"
    units: ClassVar[Mapping[str, Labels]] = {"px": {"zh": "像素", "en": "pixels"}}
    link_suffixes: ClassVar[Mapping[str, str]] = dict.fromkeys(
        (".jpg", ".jpeg", ".png", ".webp", ".gif"), "image"
    )
    followed_media_kinds: ClassVar[frozenset[str]] = frozenset({"image"})
    auto_confirm_default: ClassVar[float | None] = 0.95
    notice_labels: ClassVar[Labels] = {"zh": "图像", "en": "image"}
    default_work_kind: ClassVar[str] = "photo"
    version: ClassVar[int] = 1
    file_extensions: ClassVar[frozenset[str]] = IMAGE_EXTENSIONS
    media_types: ClassVar[tuple[str, ...]] = ("image/",)
    index_class = ImageIndex

    def __init__(
        self,
        features: FeatureParams | None = None,
        index: ImageIndexParams | None = None,
        *,
        work_side: int = 1024,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.feature_params = features or FeatureParams()
        self.index_params = index or ImageIndexParams()
        self.work_side = work_side
        self.max_pixels = max_pixels

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(max_pixels=settings.budgets.image_max_pixels)

    def fingerprint(self, media: MediaInput, *, role: Role = "query") -> Fingerprint:
        decoded = decode_image(
            media.read(), media.name, work_side=self.work_side, max_pixels=self.max_pixels
        )
        return self._to_fingerprint(extract_features(decoded, role, self.feature_params))

    def extract(self, media: MediaInput, *, role: Role = "query") -> ImageFeatures:
        """The features behind ``fingerprint``, without serialising them."""
        decoded = decode_image(
            media.read(), media.name, work_side=self.work_side, max_pixels=self.max_pixels
        )
        return extract_features(decoded, role, self.feature_params)

    def extract_frame(self, rgb: np.ndarray, *, role: Role = "query") -> ImageFeatures:
        """Features of a decoded ``(height, width, 3)`` uint8 RGB array, such as a video frame.

        Feed them to ``ImageIndex.add_features`` / ``query_features`` directly.
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or min(rgb.shape[:2]) < 1:
            raise CorruptMediaError(f"frame: expected an RGB uint8 array, got {rgb.shape}")
        height, width = rgb.shape[:2]
        long_side = max(height, width)
        if long_side > self.work_side:
            ratio = self.work_side / long_side
            size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
            small = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
        else:
            small = rgb
        decoded = DecodedImage(np.ascontiguousarray(small), width, height, 1, "frame")
        return extract_features(decoded, role, self.feature_params)

    def fingerprint_frame(self, rgb: np.ndarray, *, role: Role = "query") -> Fingerprint:
        return self._to_fingerprint(self.extract_frame(rgb, role=role))

    def new_index(self) -> ImageIndex:
        return ImageIndex(self.index_params)

    def _to_fingerprint(self, features: ImageFeatures) -> Fingerprint:
        return Fingerprint(
            signal=self.name,
            version=self.version,
            payload=features.to_payload(),
            length=float(features.long_side),
            unit="px",
            meta={
                "width": features.width,
                "height": features.height,
                "pdq_quality": features.pdq_quality,
                "keypoints": len(features.keypoints),
                **features.meta,
            },
        )

    @classmethod
    def conformance_samples(cls, workdir: Path) -> ConformanceSamples:
        reference = synthetic_picture(seed=11)
        copy = reference.resize((reference.width * 3 // 5, reference.height * 3 // 5))
        files = {
            "reference.png": _encode(reference, "PNG"),
            "copy.jpg": _encode(copy, "JPEG", quality=60),
            "unrelated.png": _encode(synthetic_picture(seed=12), "PNG"),
            "garbage.jpg": b"\xff\xd8\xff\xe0" + bytes(random.Random(3).randbytes(2000)),
        }
        for name, data in files.items():
            (workdir / name).write_bytes(data)
        return ConformanceSamples(*(MediaInput.from_path(workdir / name) for name in files))


def synthetic_picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A busy generated picture (gradient, polygons, discs, strokes, grain) for tests and
    the quick benchmark: corners for ORB, structure for PDQ, different for every seed."""
    rng = random.Random(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * x + np.sin(angle) * y) / (width + height)
    base = np.stack([ramp * rng.uniform(80, 255) for _ in range(3)], axis=2)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(90):
        cx, cy = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(6, max(7, min(width, height) // 5))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = rng.choice(("polygon", "polygon", "ellipse", "line"))
        if shape == "polygon":
            sides = rng.randint(3, 7)
            turn = rng.uniform(0, 2 * np.pi)
            corners = [
                (
                    cx + radius * rng.uniform(0.5, 1.0) * np.cos(turn + 2 * np.pi * k / sides),
                    cy + radius * rng.uniform(0.5, 1.0) * np.sin(turn + 2 * np.pi * k / sides),
                )
                for k in range(sides)
            ]
            draw.polygon(corners, fill=colour, outline=(0, 0, 0))
        elif shape == "ellipse":
            box = (cx - radius, cy - radius // 2, cx + radius, cy + radius // 2)
            draw.ellipse(box, fill=colour, outline=(0, 0, 0))
        else:
            end = (cx + rng.randint(-radius, radius) * 2, cy + rng.randint(-radius, radius) * 2)
            draw.line(((cx, cy), end), fill=colour, width=rng.randrange(2, 8))
    noise = np.random.default_rng(seed).normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image) + noise, 0, 255).astype(np.uint8))


def _encode(image: Image.Image, image_format: str, **options: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()
