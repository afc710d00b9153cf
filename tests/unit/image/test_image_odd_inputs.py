"""Odd pictures are fingerprinted or refused with a MediaError, never a raw OpenCV error."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from swordnet.domain.errors import MediaError
from swordnet.modalities.image import ImageSignal
from swordnet.modalities.image.signal import synthetic_picture
from swordnet.plugins.signals import MediaInput


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _noise(width: int, height: int) -> Image.Image:
    pixels = np.random.default_rng(width * 7 + height).integers(0, 256, (height, width, 3))
    return Image.fromarray(pixels.astype(np.uint8))


def _fingerprint(data: bytes, name: str, role: str = "reference") -> None:
    ImageSignal().fingerprint(MediaInput(name=name, data=data), role=role)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [(1, 1000), (1000, 1), (1, 1), (3, 5000)])
def test_a_line_or_a_dot_is_refused_saying_why(size: tuple[int, int]) -> None:
    with pytest.raises(MediaError, match=r"too small to fingerprint.*at least 8 pixels"):
        _fingerprint(_png(_noise(*size)), "thin.png")


@pytest.mark.parametrize("role", ["reference", "query"])
def test_a_thin_strip_is_fingerprinted_without_corners(role: str) -> None:
    # 8x5000 becomes 2 pixels wide at the working size and 1 at the small reference size,
    # where OpenCV's ORB pyramid used to fail ("inv_scale_x > 0" in resize).
    fingerprint = ImageSignal().fingerprint(
        MediaInput(name="strip.png", data=_png(_noise(8, 5000))),
        role=role,  # type: ignore[arg-type]
    )
    assert fingerprint.signal == "image" and fingerprint.length == 5000


def test_a_frame_one_pixel_wide_gives_no_keypoints() -> None:
    frame = np.random.default_rng(3).integers(0, 256, (1000, 1, 3)).astype(np.uint8)
    features = ImageSignal().extract_frame(frame)
    assert len(features.keypoints) == 0


def _odd_pictures() -> dict[str, bytes]:
    base = synthetic_picture(4, (160, 120))
    rgb16 = io.BytesIO()
    # 16-bit greyscale: Pillow opens it in mode I;16 or I, not as 8-bit pixels.
    Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257).save(rgb16, "PNG")
    palette = base.convert("P")
    palette.info["transparency"] = 0
    transparent_palette = io.BytesIO()
    palette.save(transparent_palette, format="PNG", transparency=0)
    animated = io.BytesIO()
    frames = [base, synthetic_picture(5, (160, 120)), synthetic_picture(6, (160, 120))]
    frames[0].save(animated, format="GIF", save_all=True, append_images=frames[1:], loop=0)
    cmyk = io.BytesIO()
    base.convert("CMYK").save(cmyk, format="JPEG")
    tiny = io.BytesIO()
    base.resize((8, 8)).save(tiny, format="PNG")
    return {
        "grey16.png": rgb16.getvalue(),
        "palette-transparent.png": transparent_palette.getvalue(),
        "animated.gif": animated.getvalue(),
        "cmyk.jpg": cmyk.getvalue(),
        "tiny-8x8.png": tiny.getvalue(),
    }


@pytest.mark.parametrize("name", sorted(_odd_pictures()))
@pytest.mark.parametrize("role", ["reference", "query"])
def test_odd_formats_are_fingerprinted(name: str, role: str) -> None:
    fingerprint = ImageSignal().fingerprint(
        MediaInput(name=name, data=_odd_pictures()[name]),
        role=role,  # type: ignore[arg-type]
    )
    assert fingerprint.payload
