"""Decode untrusted image bytes into an upright 8-bit RGB array, or refuse with a clear error.

Everything Pillow can raise on hostile input is turned into a ``MediaError`` naming the
file, so one bad image never stops a batch. Large JPEGs are decoded at a reduced scale
(libjpeg's DCT scaling) because the fingerprint never looks at more than ``work_side``
pixels: this is most of the decoding speed.

Memory: a picture over ``max_pixels`` (from its header) is refused before decoding. One
within it is held once at full size (4 bytes a pixel), plus at most one converted copy:
it is shrunk to ``work_side`` while still a Pillow image, never copied to numpy at full
size, and transparency is flattened a strip at a time.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from swordnet.domain.errors import (
    CorruptMediaError,
    MediaTooLargeError,
    UnsupportedMediaError,
    over_budget,
)

RGBArray = npt.NDArray[np.uint8]

MIN_SIDE = 8
DEFAULT_MAX_PIXELS = 80_000_000  # budgets.image_max_pixels: below Pillow's 89 Mpx, ours speaks
PIXELS_SETTING = "budgets.image_max_pixels"
_STRIP_PIXELS = 1 << 20  # transparency is flattened on white this many pixels at a time
_WHITE = (255, 255, 255)
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An upright RGB image at most ``work_side`` on its long side, with its true size."""

    rgb: RGBArray
    original_width: int
    original_height: int
    frames: int
    source_format: str

    @property
    def scale_to_original(self) -> float:
        """Multiply coordinates in ``rgb`` by this to get coordinates in the original image."""
        return max(self.original_width, self.original_height) / int(max(self.rgb.shape[:2]))


def decode_image(
    data: bytes, name: str, *, work_side: int = 1024, max_pixels: int = DEFAULT_MAX_PIXELS
) -> DecodedImage:
    """Decode ``data``; raise ``CorruptMediaError`` or ``MediaTooLargeError`` naming ``name``."""
    try:
        with warnings.catch_warnings():
            # We enforce our own, lower limit below; Pillow's warning would be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width <= 0 or height <= 0:
                raise CorruptMediaError(f"{name}: image has no pixels")
            if min(width, height) < MIN_SIDE:
                # No corner and no trustworthy hash fits in a line or a dot: a reference
                # like this could never be found, and a query could match only by chance.
                raise UnsupportedMediaError(
                    f"{name}: {width}x{height} pixels is too small to fingerprint; "
                    f"an image needs at least {MIN_SIDE} pixels on each side"
                )
            if width * height > max_pixels:
                raise over_budget(
                    name, f"{width}x{height} pixels", f"{max_pixels} pixels", PIXELS_SETTING
                )
            frames = int(getattr(image, "n_frames", 1) or 1)
            source_format = image.format or "unknown"
            if frames > 1:
                image.seek(0)  # animated GIF/WebP/APNG: the first frame stands for the file
            _request_reduced_decode(image, work_side)
            image.load()
            turns_sideways = image.getexif().get(_EXIF_ORIENTATION, 1) in {5, 6, 7, 8}
            upright = ImageOps.exif_transpose(image, in_place=True) or image
            rgb = _to_rgb(upright, work_side)
    except (CorruptMediaError, MediaTooLargeError, UnsupportedMediaError):
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses at open() past twice its own limit, before our check can run
        raise over_budget(
            name,
            "a decompression bomb (its header claims over 178 million pixels)",
            f"{max_pixels} pixels",
            PIXELS_SETTING,
        ) from exc
    except MemoryError as exc:
        raise MediaTooLargeError(f"{name}: not enough memory to decode") from exc
    except Exception as exc:  # Pillow raises many types on hostile input; all mean "corrupt"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorruptMediaError(f"{name}: cannot decode image ({reason})") from exc
    if turns_sideways:
        width, height = height, width
    return DecodedImage(np.ascontiguousarray(rgb), width, height, frames, source_format)


def _request_reduced_decode(image: Image.Image, work_side: int) -> None:
    if image.format != "JPEG":
        return
    width, height = image.size
    long_side = max(width, height)
    if long_side <= work_side:
        return
    ratio = work_side / long_side
    # draft() keeps both sides at least as large as asked, so ask for the scaled size.
    image.draft("RGB", (max(1, int(width * ratio)), max(1, int(height * ratio))))


def _to_rgb(image: Image.Image, work_side: int) -> RGBArray:
    """The picture as RGB at most ``work_side`` on its long side.

    The pixels are those of converting at full size and then shrinking with
    ``_fit_long_side``; only the order of work spares memory: shrinking a Pillow image
    needs no full-size numpy copy, and an image already in RGB needs no converted copy.
    """
    mode = image.mode
    if mode in {"I", "I;16", "I;16B", "I;16L", "F"}:
        # High bit depth greyscale: stretch to 8 bits rather than let convert() clip it.
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0.0
        grey = scaled.astype(np.uint8)
        return _fit_long_side(np.repeat(grey[:, :, None], 3, axis=2), work_side)
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if mode in {"RGBA", "LA", "PA", "RGBa", "La"} or image.mode == "RGBA":
        # Web pages show transparent images on white, so the copy a pirate posts does too.
        image = _flatten_on_white(image)
    elif image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(_shrunk(image, work_side), dtype=np.uint8)


def _flatten_on_white(image: Image.Image) -> Image.Image:
    """Composite on white into one RGB image, a strip of rows at a time (compositing is
    per pixel: the strips give the same pixels as the whole, without full-size copies)."""
    width, height = image.size
    flat = Image.new("RGB", image.size)
    rows = max(1, _STRIP_PIXELS // max(1, width))
    for top in range(0, height, rows):
        box = (0, top, width, min(height, top + rows))
        strip = image.crop(box).convert("RGBA")
        background = Image.new("RGBA", strip.size, (*_WHITE, 255))
        background.alpha_composite(strip)
        flat.paste(background.convert("RGB"), box[:2])
    return flat


def _shrunk(image: Image.Image, work_side: int) -> Image.Image:
    """``_fit_long_side`` on a Pillow RGB image: the same resize, without the arrays."""
    width, height = image.size
    long_side = max(width, height)
    if long_side <= work_side:
        return image
    ratio = work_side / long_side
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _fit_long_side(rgb: RGBArray, work_side: int) -> RGBArray:
    height, width = rgb.shape[:2]
    long_side = max(height, width)
    if long_side <= work_side:
        return rgb
    ratio = work_side / long_side
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    return np.asarray(
        Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    )
