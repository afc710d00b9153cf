"""Decoding untrusted pictures: every odd or hostile file gives a clear MediaError."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from swordnet.domain.errors import CorruptMediaError, MediaTooLargeError
from swordnet.modalities.image import ImageSignal
from swordnet.modalities.image.decode import decode_image
from swordnet.modalities.image.signal import synthetic_picture
from swordnet.plugins.signals import MediaInput


def _encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def test_exif_orientation_is_applied_and_reported_upright() -> None:
    picture = Image.new("RGB", (200, 100), (255, 0, 0))
    picture.paste((0, 0, 255), (0, 0, 100, 100))  # blue on the left half
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers turn it 90 degrees clockwise
    decoded = decode_image(_encode(picture, "JPEG", exif=exif), "side.jpg")
    assert decoded.rgb.shape[:2] == (200, 100)
    assert (decoded.original_width, decoded.original_height) == (100, 200)
    top, bottom = decoded.rgb[20, 50], decoded.rgb[180, 50]
    assert top[2] > 200 and bottom[0] > 200  # the blue half is now on top


def test_cmyk_palette_alpha_grey16_and_animation_become_rgb() -> None:
    base = synthetic_picture(1, (120, 90))
    transparent = Image.new("RGBA", (120, 90), (0, 0, 0, 0))
    grey16 = Image.fromarray((np.arange(120 * 90).reshape(90, 120) * 7).astype(np.uint16))
    frames = [base, synthetic_picture(2, (120, 90))]
    animated = io.BytesIO()
    frames[0].save(animated, format="GIF", save_all=True, append_images=frames[1:])
    samples = {
        "cmyk.jpg": _encode(base.convert("CMYK"), "JPEG"),
        "palette.png": _encode(base.convert("P"), "PNG"),
        "alpha.png": _encode(transparent, "PNG"),
        "grey16.png": _encode(grey16, "PNG"),
        "animated.gif": animated.getvalue(),
        "picture.webp": _encode(base, "WEBP"),
        "picture.tiff": _encode(base, "TIFF"),
        "picture.bmp": _encode(base, "BMP"),
    }
    for name, data in samples.items():
        decoded = decode_image(data, name)
        assert decoded.rgb.shape == (90, 120, 3), name
        assert decoded.rgb.dtype == np.uint8
    # A fully transparent picture is shown on white, as a browser would.
    assert decode_image(samples["alpha.png"], "alpha.png").rgb.min() == 255
    assert decode_image(samples["animated.gif"], "animated.gif").frames == 2
    assert decode_image(samples["grey16.png"], "grey16.png").rgb.max() == 255


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's calling card."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    body = zlib.compress(b"\x00" * 64)
    idat = (
        struct.pack(">I", len(body))
        + b"IDAT"
        + body
        + struct.pack(">I", zlib.crc32(b"IDAT" + body))
    )
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + end


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(MediaTooLargeError, match=r"bomb\.png"):
        decode_image(_png_claiming(100_000, 100_000), "bomb.png")
    with pytest.raises(MediaTooLargeError):
        decode_image(_encode(synthetic_picture(3, (100, 100)), "PNG"), "a.png", max_pixels=5000)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.jpg", b""),
        ("noise.png", bytes(range(256)) * 8),
        ("html.jpg", b"<html><body>404 not found</body></html>"),
    ],
)
def test_garbage_is_corrupt_media_naming_the_file(name: str, data: bytes) -> None:
    with pytest.raises(CorruptMediaError, match=name.replace(".", r"\.")):
        decode_image(data, name)


def test_truncated_file_is_corrupt_media() -> None:
    data = _encode(synthetic_picture(4), "JPEG")
    with pytest.raises(CorruptMediaError):
        ImageSignal().fingerprint(MediaInput(name="cut.jpg", data=data[: len(data) // 3]))


def test_file_over_the_byte_limit_is_refused() -> None:
    data = _encode(synthetic_picture(5), "PNG")
    with pytest.raises(MediaTooLargeError):
        ImageSignal().fingerprint(MediaInput(name="big.png", data=data, max_bytes=100))


def test_large_jpeg_is_decoded_at_reduced_size_with_its_true_size() -> None:
    data = _encode(synthetic_picture(6).resize((3000, 2000)), "JPEG")
    decoded = decode_image(data, "large.jpg", work_side=1024)
    assert max(decoded.rgb.shape[:2]) == 1024
    assert (decoded.original_width, decoded.original_height) == (3000, 2000)
    assert decoded.scale_to_original == pytest.approx(3000 / 1024)
