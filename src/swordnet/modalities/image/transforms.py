"""What pirates do to a picture before re-posting it, as seeded, reproducible functions.

Used by the image benchmark to make queries, by the simulated pirate web to make its
copies, and by the video modality on frames. Every transform takes an RGB Pillow image
and a ``random.Random`` and returns a new RGB image; nothing here reads files or the net.
Overlays (logos, emoji, captions) are drawn shapes and Pillow's built-in font.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

Transform = Callable[[Image.Image, random.Random], Image.Image]

_CAPTIONS = (
    "FREE HD DOWNLOAD",
    "when the wallpaper hits different",
    "全网最全 高清无水印",
    "follow for more",
    "LEAKED 4K",
    "me at 3am",
    "免费下载 www.pirate.example",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


def jpeg(
    image: Image.Image, rng: random.Random, quality: tuple[int, int] = (20, 50)
) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=rng.randint(*quality))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def resize(
    image: Image.Image, rng: random.Random, scale: tuple[float, float] = (0.3, 2.0)
) -> Image.Image:
    factor = rng.uniform(*scale)
    size = (max(8, round(image.width * factor)), max(8, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BICUBIC)


def crop(image: Image.Image, rng: random.Random, area: float) -> Image.Image:
    """Keep a random window holding ``area`` of the picture, at a random aspect ratio."""
    side = math.sqrt(area)
    width_share = rng.uniform(max(area, side * 0.8), min(1.0, side * 1.25))
    height_share = area / width_share
    width, height = round(image.width * width_share), round(image.height * height_share)
    x0 = rng.randint(0, image.width - width)
    y0 = rng.randint(0, image.height - height)
    return image.crop((x0, y0, x0 + width, y0 + height))


def pad(image: Image.Image, rng: random.Random) -> Image.Image:
    """Letterbox or pillar-box onto a plain canvas, as when re-framing for another aspect."""
    colour = rng.choice(((0, 0, 0), (0, 0, 0), (255, 255, 255), (24, 24, 24)))
    share = rng.uniform(0.08, 0.25)
    if rng.random() < 0.5:
        border = (round(image.width * share), 0)
    else:
        border = (0, round(image.height * share))
    return ImageOps.expand(image, border=(*border, *border), fill=colour)


def flip(image: Image.Image, rng: random.Random) -> Image.Image:
    return ImageOps.mirror(image)


def rotate(image: Image.Image, rng: random.Random, degrees: float) -> Image.Image:
    if degrees % 90 == 0:
        return image.rotate(degrees * rng.choice((1, -1)), expand=True)
    fill = rng.choice(((0, 0, 0), (255, 255, 255)))
    angle = degrees * rng.choice((1, -1))
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def text_overlay(image: Image.Image, rng: random.Random) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    size = max(12, image.height // 12)
    for _ in range(rng.randint(2, 4)):
        text = rng.choice(_CAPTIONS)
        x = rng.randint(0, max(1, image.width // 3))
        y = rng.randint(0, max(1, image.height - size))
        draw.text(
            (x, y),
            text,
            font=_font(size),
            fill=(255, 255, 255),
            stroke_width=max(1, size // 12),
            stroke_fill=(0, 0, 0),
        )
    return out


def logo_overlay(image: Image.Image, rng: random.Random) -> Image.Image:
    """A half-transparent site logo in a corner: a badge, a ring and the site's name."""
    width = round(image.width * rng.uniform(0.15, 0.3))
    height = width // 3
    logo = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256), 200)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=height // 4, fill=colour)
    draw.ellipse(
        (4, 4, height - 4, height - 4), outline=(255, 255, 255, 230), width=max(2, height // 10)
    )
    draw.text((height, height // 5), "PIRATE", font=_font(height // 2), fill=(255, 255, 255, 230))
    margin = image.width // 40
    x = rng.choice((margin, image.width - width - margin))
    y = rng.choice((margin, image.height - height - margin))
    out = image.convert("RGBA")
    out.alpha_composite(logo, (x, y))
    return out.convert("RGB")


def emoji(image: Image.Image, rng: random.Random) -> Image.Image:
    """Stickers drawn as smileys: yellow discs with eyes and a mouth."""
    out = image.copy()
    draw = ImageDraw.Draw(out)
    for _ in range(rng.randint(2, 5)):
        radius = round(min(image.size) * rng.uniform(0.06, 0.12))
        cx, cy = rng.randrange(image.width), rng.randrange(image.height)
        draw.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius),
            fill=(255, 204, 0),
            outline=(120, 80, 0),
            width=max(1, radius // 12),
        )
        eye = max(1, radius // 6)
        for dx in (-radius // 3, radius // 3):
            draw.ellipse(
                (cx + dx - eye, cy - radius // 3 - eye, cx + dx + eye, cy - radius // 3 + eye),
                fill=(60, 40, 0),
            )
        draw.arc(
            (cx - radius // 2, cy - radius // 4, cx + radius // 2, cy + radius // 2),
            20,
            160,
            fill=(60, 40, 0),
            width=max(1, radius // 10),
        )
    return out


def colour_jitter(image: Image.Image, rng: random.Random) -> Image.Image:
    out = ImageEnhance.Brightness(image).enhance(rng.uniform(0.7, 1.3))
    out = ImageEnhance.Contrast(out).enhance(rng.uniform(0.7, 1.3))
    out = ImageEnhance.Color(out).enhance(rng.uniform(0.5, 1.6))
    hsv = np.asarray(out.convert("HSV")).copy()
    hsv[:, :, 0] = (hsv[:, :, 0].astype(np.int16) + rng.randint(-20, 20)) % 256
    return Image.fromarray(hsv, "HSV").convert("RGB")


def greyscale(image: Image.Image, rng: random.Random) -> Image.Image:
    return ImageOps.grayscale(image).convert("RGB")


def blur(image: Image.Image, rng: random.Random) -> Image.Image:
    radius = max(image.size) * rng.uniform(0.0015, 0.003)
    return image.filter(ImageFilter.GaussianBlur(radius))


def perspective(image: Image.Image, rng: random.Random) -> Image.Image:
    """A photo of a screen: tilted, on a dark surround, with glare, moiré and noise."""
    rgb = np.asarray(image)
    height, width = rgb.shape[:2]
    margin = 0.12
    canvas_w, canvas_h = round(width * (1 + 2 * margin)), round(height * (1 + 2 * margin))
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)

    def jitter(extent: int) -> float:
        return rng.uniform(-0.1, 0.1) * extent

    target = np.array(
        [
            [margin * width + jitter(width), margin * height + jitter(height)],
            [(1 + margin) * width + jitter(width), margin * height + jitter(height)],
            [(1 + margin) * width + jitter(width), (1 + margin) * height + jitter(height)],
            [margin * width + jitter(width), (1 + margin) * height + jitter(height)],
        ],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(
        rgb, matrix, (canvas_w, canvas_h), borderValue=(20, 20, 22)
    ).astype(np.float32)
    y, x = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    glare = 40 * np.exp(
        -(
            ((x - canvas_w * rng.uniform(0.2, 0.8)) / (canvas_w / 3)) ** 2
            + ((y - canvas_h * rng.uniform(0.2, 0.8)) / (canvas_h / 3)) ** 2
        )
    )
    moire = 6 * np.sin(x * rng.uniform(0.6, 1.2) + y * rng.uniform(0.1, 0.4))
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 4, warped.shape[:2])
    shaded = warped * rng.uniform(0.8, 1.0) + (glare + moire + noise)[:, :, None]
    photo = Image.fromarray(np.clip(shaded, 0, 255).astype(np.uint8))
    return photo.filter(ImageFilter.GaussianBlur(max(photo.size) / 1200))


def meme(image: Image.Image, rng: random.Random) -> Image.Image:
    """The meme layout: a white band with a caption above the picture."""
    band = round(image.height * rng.uniform(0.18, 0.3))
    canvas = Image.new("RGB", (image.width, image.height + band), (255, 255, 255))
    canvas.paste(image, (0, band))
    draw = ImageDraw.Draw(canvas)
    size = max(12, band // 3)
    draw.text(
        (image.width // 20, band // 3), rng.choice(_CAPTIONS), font=_font(size), fill=(0, 0, 0)
    )
    return canvas


def screenshot(image: Image.Image, rng: random.Random) -> Image.Image:
    """A screenshot of a page or app showing the picture: title bar, side bar, text lines."""
    share = rng.uniform(0.55, 0.75)
    shown = image.resize(
        (round(image.width * share), round(image.height * share)), Image.Resampling.BILINEAR
    )
    width, height = image.width, round(image.height * share + image.height * 0.3)
    dark = rng.random() < 0.5
    canvas = Image.new("RGB", (width, height), (30, 30, 34) if dark else (246, 246, 248))
    draw = ImageDraw.Draw(canvas)
    bar = max(16, height // 14)
    draw.rectangle((0, 0, width, bar), fill=(60, 60, 66) if dark else (220, 220, 226))
    for i, colour in enumerate(((255, 95, 86), (255, 189, 46), (39, 201, 63))):
        draw.ellipse((bar // 2 + i * bar, bar // 4, bar + i * bar, 3 * bar // 4), fill=colour)
    ink = (200, 200, 200) if dark else (60, 60, 60)
    sidebar = width - shown.width - width // 30
    for row in range(bar + 10, height - 10, max(12, height // 25)):
        draw.rectangle(
            (10, row, 10 + rng.randint(sidebar // 3, max(sidebar // 3 + 1, sidebar - 20)), row + 4),
            fill=ink,
        )
    top = bar + (height - bar - shown.height) // 2
    canvas.paste(shown, (width - shown.width - width // 60, top))
    draw.text((sidebar // 8, height - bar), rng.choice(_CAPTIONS), font=_font(bar // 2), fill=ink)
    return canvas


def picture_in_picture(
    image: Image.Image, rng: random.Random, scale: float, backdrop: Image.Image | None = None
) -> Image.Image:
    """Paste the picture, at ``scale`` of the backdrop's width, onto another picture."""
    if backdrop is None:
        backdrop = _synthetic_backdrop(image.size, rng)
    canvas = backdrop.convert("RGB").resize(image.size, Image.Resampling.BILINEAR)
    width = max(8, round(canvas.width * scale))
    height = max(8, round(image.height * width / image.width))
    inset = image.resize((width, height), Image.Resampling.BILINEAR)
    x = rng.randint(0, canvas.width - width)
    y = rng.randint(0, max(0, canvas.height - height))
    canvas.paste(inset, (x, y))
    return canvas


def _synthetic_backdrop(size: tuple[int, int], rng: random.Random) -> Image.Image:
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [
        np.sin(x / rng.uniform(20, 80) + rng.uniform(0, 6)) * np.cos(y / rng.uniform(20, 80))
        for _ in range(3)
    ]
    base = (np.stack(channels, axis=2) + 1) * 127
    return Image.fromarray(base.astype(np.uint8))


def pirate_transforms(backdrops: Sequence[Image.Image] = ()) -> dict[str, Transform]:
    """Every transform of the benchmark suite by name; PiP pastes onto ``backdrops``."""

    def pip(scale: float) -> Transform:
        def apply(image: Image.Image, rng: random.Random) -> Image.Image:
            backdrop = rng.choice(backdrops) if backdrops else None
            return picture_in_picture(image, rng, scale, backdrop)

        return apply

    return {
        "jpeg_q20_50": jpeg,
        "resize_0.3_2x": resize,
        "crop_90": lambda image, rng: crop(image, rng, 0.9),
        "crop_70": lambda image, rng: crop(image, rng, 0.7),
        "crop_50": lambda image, rng: crop(image, rng, 0.5),
        "pad_letterbox": pad,
        "flip_horizontal": flip,
        "rotate_5": lambda image, rng: rotate(image, rng, 5),
        "rotate_15": lambda image, rng: rotate(image, rng, 15),
        "rotate_90": lambda image, rng: rotate(image, rng, 90),
        "text_overlay": text_overlay,
        "logo_overlay": logo_overlay,
        "emoji": emoji,
        "colour_jitter": colour_jitter,
        "greyscale": greyscale,
        "blur": blur,
        "perspective_screen_photo": perspective,
        "meme": meme,
        "screenshot_ui": screenshot,
        "pip_50": pip(0.5),
        "pip_30": pip(0.3),
    }
