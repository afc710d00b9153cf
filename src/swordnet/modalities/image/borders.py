"""Find the picture inside letterboxing, pillar-boxing, padding and plain frames.

A border is a run of rows (or columns) at an edge that are each nearly one colour and
close to the colour of the outermost row. Both references and queries are trimmed the
same way, so a photo that naturally has a flat edge (a clear sky) loses it on both sides.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from swordnet.modalities.image.decode import RGBArray

_FLAT_STD = 6.0  # grey levels: JPEG noise on a flat bar stays well below this
_SAME_COLOUR = 12.0
_MAX_TRIM_SHARE = 0.45  # never trim more than this from one side


def content_box(rgb: RGBArray) -> tuple[int, int, int, int]:
    """Return (x0, y0, x1, y1), the box left once uniform borders are removed."""
    grey = rgb.astype(np.float32).mean(axis=2)
    height, width = grey.shape
    top = _border_depth(grey, height)
    bottom = _border_depth(grey[::-1], height)
    left = _border_depth(grey.T, width)
    right = _border_depth(grey.T[::-1], width)
    x0, x1 = left, width - right
    y0, y1 = top, height - bottom
    if x1 - x0 < 8 or y1 - y0 < 8:
        return 0, 0, width, height
    return x0, y0, x1, y1


def _border_depth(lines: npt.NDArray[np.float32], extent: int) -> int:
    """How many leading lines of ``lines`` (rows) form a uniform border."""
    limit = int(extent * _MAX_TRIM_SHARE)
    if limit == 0:
        return 0
    head = lines[:limit]
    means = head.mean(axis=1)
    stds = head.std(axis=1)
    flat = (stds < _FLAT_STD) & (np.abs(means - means[0]) < _SAME_COLOUR)
    not_flat = np.flatnonzero(~flat)
    depth = int(not_flat[0]) if len(not_flat) else limit
    return depth if depth >= 2 else 0  # one flat line is an edge, not a border
