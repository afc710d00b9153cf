"""The pirate transforms: the whole suite is there, reproducible, and does what it says."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from swordnet.modalities.image.signal import synthetic_picture
from swordnet.modalities.image.transforms import crop, pad, pirate_transforms

PICTURE = synthetic_picture(21, (320, 240))

REQUIRED = {
    "jpeg_q20_50", "resize_0.3_2x", "crop_90", "crop_70", "crop_50", "pad_letterbox",
    "flip_horizontal", "rotate_5", "rotate_15", "rotate_90", "text_overlay", "logo_overlay",
    "emoji", "colour_jitter", "greyscale", "blur", "perspective_screen_photo", "meme",
    "screenshot_ui", "pip_50", "pip_30",
}  # fmt: skip


def test_the_suite_names_every_transform_the_benchmark_needs() -> None:
    assert set(pirate_transforms()) == REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_each_transform_is_reproducible_and_changes_the_picture(name: str) -> None:
    transform = pirate_transforms([synthetic_picture(22, (320, 240))])[name]
    first = transform(PICTURE, random.Random(3))
    again = transform(PICTURE, random.Random(3))
    assert first.mode == "RGB"
    assert np.array_equal(np.asarray(first), np.asarray(again))
    same_size = first.size == PICTURE.size
    assert not (same_size and np.array_equal(np.asarray(first), np.asarray(PICTURE)))


@pytest.mark.parametrize("area", [0.9, 0.7, 0.5])
def test_crop_keeps_the_asked_share_of_the_area(area: float) -> None:
    cropped = crop(PICTURE, random.Random(1), area)
    share = cropped.width * cropped.height / (PICTURE.width * PICTURE.height)
    assert share == pytest.approx(area, abs=0.03)


def test_pad_adds_plain_bars_around_the_untouched_picture() -> None:
    padded = pad(PICTURE, random.Random(2))
    assert padded.width > PICTURE.width or padded.height > PICTURE.height
    left = (padded.width - PICTURE.width) // 2
    top = (padded.height - PICTURE.height) // 2
    inner = padded.crop((left, top, left + PICTURE.width, top + PICTURE.height))
    assert np.array_equal(np.asarray(inner), np.asarray(PICTURE))
    corner = np.asarray(padded)[0, 0]
    assert len(set(corner.tolist())) == 1  # a grey level: black, white or near black


def test_transforms_leave_their_input_alone() -> None:
    before = np.asarray(PICTURE).copy()
    for transform in pirate_transforms().values():
        transform(PICTURE, random.Random(0))
    assert np.array_equal(np.asarray(PICTURE), before)
    assert isinstance(PICTURE, Image.Image)
