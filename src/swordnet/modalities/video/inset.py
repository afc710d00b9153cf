"""Picture-in-picture: find the inner picture of an upload, to look it up on its own.

A work shown at half size over another video fills a quarter of the frame; its PDQ hash is
lost in the backdrop's and ORB finds few keypoints on it. Its frame, though, stays put
while the pictures on both sides of it change: in the median over time of the frame's
gradients, the inner picture's four sides stand out as straight lines. The strongest
rows and columns of that median are paired into rectangles, and the rectangle whose four
sides are best supported, well inside the frame and shaped like a picture, is the inset.
Its crop of every sampled frame is then fingerprinted like a frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import cv2
import numpy as np
import numpy.typing as npt

RGBFrame = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


@dataclass(frozen=True, slots=True)
class InsetParams:
    max_frames: int = 24  # frames whose gradients enter the median
    min_frames: int = 5  # fewer frames cannot tell a fixed frame from a still shot
    edge: float = 10.0  # grey levels of the median gradient that make an edge pixel
    candidates: int = 6  # strongest rows and columns paired into rectangles
    min_support: float = 0.7  # share of each side's pixels on an edge
    min_area: float = 0.08  # of the frame
    max_area: float = 0.6
    margin: float = 0.02  # a side this close to the frame's edge is a letterbox, not an inset
    min_aspect: float = 0.9  # width / height of a picture
    max_aspect: float = 2.5


def find_inset(frames: list[RGBFrame], params: InsetParams | None = None) -> Box | None:
    """The inner picture's box in frames of one size, or None."""
    params = params or InsetParams()
    if len(frames) < params.min_frames or len({f.shape for f in frames}) != 1:
        return None
    chosen = np.linspace(0, len(frames) - 1, min(len(frames), params.max_frames)).astype(int)
    green = np.stack([frames[i][:, :, 1] for i in chosen]).astype(np.int16)  # ~ luma
    # Edges between columns (vertical sides) and between rows (horizontal sides) in at
    # least half the frames: the median gradient reaches ``edge``.
    half = len(chosen) / 2
    columns = (np.abs(np.diff(green, axis=2)) >= params.edge).sum(axis=0) >= half
    rows = (np.abs(np.diff(green, axis=1)) >= params.edge).sum(axis=0) >= half
    height, width = green.shape[1:]
    xs = _strongest(columns.sum(axis=0), width, params)
    ys = _strongest(rows.sum(axis=1), height, params)
    best: tuple[float, Box] | None = None
    for x0, x1 in combinations(sorted(xs), 2):
        for y0, y1 in combinations(sorted(ys), 2):
            box = (x0 + 1, y0 + 1, x1 + 1, y1 + 1)  # an edge at i lies between i and i+1
            if not _plausible(box, width, height, params):
                continue
            support = min(
                _share(columns[y0 + 1 : y1 + 1, x0]),
                _share(columns[y0 + 1 : y1 + 1, x1]),
                _share(rows[y0, x0 + 1 : x1 + 1]),
                _share(rows[y1, x0 + 1 : x1 + 1]),
            )
            if support >= params.min_support and (best is None or support > best[0]):
                best = (support, box)
    return None if best is None else best[1]


def crop_inset(frame: RGBFrame, box: Box, side: int) -> RGBFrame:
    """The inset of ``frame``, one pixel in from its sides, scaled to ``side`` on its long side."""
    x0, y0, x1, y1 = box
    crop = frame[y0 + 1 : y1 - 1, x0 + 1 : x1 - 1]
    scale = side / max(crop.shape[:2])
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return np.ascontiguousarray(cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR))


def _strongest(profile: npt.NDArray[np.int64], length: int, params: InsetParams) -> list[int]:
    """The positions of the strongest lines, at least 3 pixels apart, inside the margins."""
    margin = max(2, round(params.margin * length))
    order = np.argsort(-profile, kind="stable")
    picked: list[int] = []
    for position in order.tolist():
        if len(picked) == params.candidates or profile[position] == 0:
            break
        if position < margin or position >= length - 1 - margin:
            continue
        if all(abs(position - other) > 2 for other in picked):
            picked.append(position)
    return picked


def _plausible(box: Box, width: int, height: int, params: InsetParams) -> bool:
    x0, y0, x1, y1 = box
    area = (x1 - x0) * (y1 - y0) / (width * height)
    aspect = (x1 - x0) / max(y1 - y0, 1)
    return (
        params.min_area <= area <= params.max_area
        and params.min_aspect <= aspect <= params.max_aspect
    )


def _share(line: npt.NDArray[np.bool_]) -> float:
    return float(line.mean()) if line.size else 0.0
