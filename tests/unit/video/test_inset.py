"""Finding the inner picture of a picture-in-picture upload."""

from __future__ import annotations

import numpy as np
from PIL import Image

from swordnet.modalities.image.signal import synthetic_picture
from swordnet.modalities.video.inset import crop_inset, find_inset


def _pan(seed: int, size: tuple[int, int], frames: int) -> list[np.ndarray]:
    """A picture panned a few pixels a frame: its edges move, nothing stays put."""
    width, height = size
    wide = np.asarray(synthetic_picture(seed, (width + 4 * frames, height)), np.uint8)
    return [wide[:, 4 * i : 4 * i + width] for i in range(frames)]


def _picture_in_picture(box: tuple[int, int, int, int], frames: int = 12) -> list[np.ndarray]:
    x0, y0, x1, y1 = box
    backdrop = _pan(1, (320, 180), frames)
    work = _pan(2, (x1 - x0, y1 - y0), frames)
    out = []
    for back, inner in zip(backdrop, work, strict=True):
        frame = back.copy()
        frame[y0:y1, x0:x1] = inner
        out.append(frame)
    return out


def test_the_inner_picture_is_found() -> None:
    found = find_inset(_picture_in_picture((70, 40, 230, 130)))
    assert found is not None
    assert np.max(np.abs(np.subtract(found, (70, 40, 230, 130)))) <= 2


def test_a_plain_video_and_a_letterbox_have_no_inset() -> None:
    assert find_inset(_pan(3, (320, 180), 12)) is None
    boxed = [np.pad(f, ((20, 20), (0, 0), (0, 0))) for f in _pan(4, (320, 140), 12)]
    assert find_inset(boxed) is None


def test_a_still_shot_is_not_taken_for_a_frame() -> None:
    still = np.asarray(synthetic_picture(5, (320, 180)), np.uint8)
    assert find_inset([still] * 3) is None  # too few frames to tell


def test_the_crop_is_the_inner_picture_scaled_up() -> None:
    frames = _picture_in_picture((70, 40, 230, 130))
    crop = crop_inset(frames[0], (70, 40, 230, 130), side=320)
    assert crop.shape[1] == 320 and abs(crop.shape[0] - 320 * 88 / 158) <= 2
    inner = np.asarray(Image.fromarray(frames[0][41:129, 71:229]).resize(crop.shape[1::-1]))
    assert np.abs(inner.astype(int) - crop.astype(int)).mean() < 12
