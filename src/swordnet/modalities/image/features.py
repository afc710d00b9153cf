"""What the image fingerprint holds, and how a decoded picture becomes one.

Two tiers, computed together so that a fingerprint can be queried by either:

* **global**: PDQ hashes of the picture with uniform borders trimmed off (letterboxing,
  padding, frames), all eight dihedral variants (mirrors and quarter turns), and PDQ's
  quality score, which says whether the hash can be trusted at all (flat images cannot);
* **local**: ORB keypoints and binary descriptors, which survive what moves or hides
  part of the picture (crops, rotations, overlays, picture-in-picture, photos of screens).

Coordinates are stored in pixels of the original upright image, so the boxes of a match
are in the same pixels a person sees.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
import pdqhash

from swordnet.modalities.image.borders import content_box
from swordnet.modalities.image.decode import DecodedImage, RGBArray

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)
FeatureRole = Literal["reference", "query"]

PDQ_BYTES = 32


@dataclass(frozen=True, slots=True)
class FeatureParams:
    """How much of each tier to extract. Changing a value changes the fingerprint."""

    pdq_side: int = 512  # PDQ downsamples to 64x64 internally; more pixels only cost time
    reference_side: int = 768
    query_side: int = 1024  # the work may fill only a small part of a query
    reference_small_side: int = 384
    reference_small_keypoints: int = 250
    reference_keypoints: int = 500
    query_keypoints: int = 1500
    orb_fast_threshold: int = 12  # lower than OpenCV's 20 so blurred copies keep corners
    # Corners detected per corner kept. A query needs a deep pool, or a caption's corners
    # fill it; a reference keeps its strongest, most repeatable corners.
    reference_pool: int = 3
    query_pool: int = 5


@dataclass(frozen=True, slots=True)
class ImageFeatures:
    width: int
    height: int
    content: Box  # the picture once uniform borders are trimmed
    pdq: npt.NDArray[np.uint8]  # (8, 32): dihedral variants, the identity first
    pdq_quality: int
    keypoints: npt.NDArray[np.float32]  # (n, 2) x, y in original pixels
    descriptors: npt.NDArray[np.uint8]  # (n, 32) ORB
    poses: npt.NDArray[np.uint8]  # (n, 2) orientation in 32 steps, pyramid level 0-7
    meta: dict[str, int] = field(default_factory=dict)

    @property
    def long_side(self) -> int:
        return max(self.width, self.height)

    def to_payload(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(
            buffer,
            header=np.array(
                [self.width, self.height, *self.content, self.pdq_quality], dtype=np.int64
            ),
            pdq=self.pdq,
            keypoints=self.keypoints,
            descriptors=self.descriptors,
            poses=self.poses,
        )
        return buffer.getvalue()

    @classmethod
    def from_payload(cls, payload: bytes) -> ImageFeatures:
        with np.load(io.BytesIO(payload)) as arrays:
            width, height, x0, y0, x1, y1, quality = (int(v) for v in arrays["header"])
            return cls(
                width=width,
                height=height,
                content=(x0, y0, x1, y1),
                pdq=arrays["pdq"].astype(np.uint8),
                pdq_quality=quality,
                keypoints=arrays["keypoints"].astype(np.float32),
                descriptors=arrays["descriptors"].astype(np.uint8),
                poses=arrays["poses"].astype(np.uint8),
            )


def extract_features(
    decoded: DecodedImage, role: FeatureRole = "query", params: FeatureParams | None = None
) -> ImageFeatures:
    params = params or FeatureParams()
    rgb = decoded.rgb
    to_original = decoded.scale_to_original
    small = _fit(rgb, params.pdq_side)
    x0, y0, x1, y1 = content_box(small)
    hashes, quality = _pdq_dihedral(small[y0:y1, x0:x1])
    box_to_original = to_original * max(rgb.shape[:2]) / max(small.shape[:2])
    if role == "reference":
        side, count, pool = params.reference_side, params.reference_keypoints, params.reference_pool
    else:
        side, count, pool = params.query_side, params.query_keypoints, params.query_pool
    keypoints, descriptors, poses = _orb(rgb, side, count, pool, params)
    if role == "reference" and params.reference_small_keypoints > 0:
        # The same reference seen small: a work pasted at a third of a query's width sits
        # beyond the reach of ORB's pyramid from the full-size corners alone.
        extra = _orb(
            rgb, params.reference_small_side, params.reference_small_keypoints, pool, params
        )
        keypoints = np.concatenate([keypoints, extra[0]])
        descriptors = np.concatenate([descriptors, extra[1]])
        poses = np.concatenate([poses, extra[2]])
    content = (
        round(x0 * box_to_original),
        round(y0 * box_to_original),
        min(decoded.original_width, round(x1 * box_to_original)),
        min(decoded.original_height, round(y1 * box_to_original)),
    )
    return ImageFeatures(
        width=decoded.original_width,
        height=decoded.original_height,
        content=content,
        pdq=hashes,
        pdq_quality=quality,
        keypoints=(keypoints * to_original).astype(np.float32),
        descriptors=descriptors,
        poses=poses,
        meta={"frames": decoded.frames},
    )


def _fit(rgb: RGBArray, side: int, max_enlargement: float = 1.0) -> RGBArray:
    height, width = rgb.shape[:2]
    ratio = min(side / max(height, width), max_enlargement)
    if 0.98 < ratio < 1.02 or (ratio > 1 and max_enlargement <= 1):
        return rgb
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    interpolation = cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(rgb, size, interpolation=interpolation), dtype=np.uint8)


def _pdq_dihedral(rgb: RGBArray) -> tuple[npt.NDArray[np.uint8], int]:
    if min(rgb.shape[:2]) < 2:
        return np.zeros((8, PDQ_BYTES), dtype=np.uint8), 0
    bit_vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    bits = np.asarray(bit_vectors, dtype=np.uint8).reshape(8, PDQ_BYTES * 8)
    return np.packbits(bits, axis=1), int(quality)


def _orb(
    rgb: RGBArray, side: int, keypoint_count: int, pool: int, params: FeatureParams
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    # Small pictures are enlarged (up to twice) so that a work shown small inside a query
    # stays within the reach of ORB's scale pyramid.
    small = _fit(rgb, side, max_enlargement=2.0)
    # A deep pool to spread from: the strongest corners of all may lie on one caption.
    detector = cv2.ORB.create(
        nfeatures=pool * keypoint_count, fastThreshold=params.orb_fast_threshold
    )
    if min(small.shape[:2]) <= 2 * detector.getEdgeThreshold():
        # ORB keeps no corner within its edge threshold of a border, so a picture this
        # thin has none to give; and OpenCV's pyramid fails on a side of one pixel (a
        # 1x1000 image) instead of returning nothing.
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), np.zeros((0, 2), np.uint8)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    found = detector.detect(grey, None)
    chosen = _spread_evenly(list(found), keypoint_count, grey.shape[1], grey.shape[0])
    keypoints, descriptors = detector.compute(grey, chosen)
    if descriptors is None or len(keypoints) == 0:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), np.zeros((0, 2), np.uint8)
    scale = max(rgb.shape[:2]) / max(small.shape[:2])
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32) * scale
    poses = np.array(
        [(int(kp.angle / 11.25) % 32, min(7, max(0, kp.octave))) for kp in keypoints],
        dtype=np.uint8,
    )
    return points, np.asarray(descriptors, dtype=np.uint8), poses


def _spread_evenly(
    keypoints: list[cv2.KeyPoint], count: int, width: int, height: int, cells: int = 8
) -> list[cv2.KeyPoint]:
    """Keep ``count`` keypoints taken in turn from each cell of a grid, strongest first.

    ORB's own choice takes the strongest corners anywhere, and the strongest corners of a
    pirated copy are often the caption, the logo or the picture around the work: spreading
    them keeps enough on the work itself.
    """
    if len(keypoints) <= count:
        return keypoints
    points = np.asarray(cv2.KeyPoint.convert(keypoints), dtype=np.float32).reshape(-1, 2)
    responses = np.array([kp.response for kp in keypoints], dtype=np.float32)
    column = np.minimum(cells - 1, (points[:, 0] * cells / width).astype(np.int64))
    row = np.minimum(cells - 1, (points[:, 1] * cells / height).astype(np.int64))
    cell = row * cells + column
    by_cell = np.lexsort((-responses, cell))
    sorted_cells = cell[by_cell]
    starts = np.searchsorted(sorted_cells, sorted_cells, side="left")
    rank_in_cell = np.empty(len(keypoints), dtype=np.int64)
    rank_in_cell[by_cell] = np.arange(len(keypoints)) - starts
    # Round-robin over cells: every cell's best, then every cell's second best, ...
    order = np.lexsort((-responses, rank_in_cell))[:count]
    return [keypoints[i] for i in order.tolist()]
