"""A hostile media site: files built to exhaust memory when decoded, fingerprinted or fetched.

Everything is generated at start-up, cheaply and without downloads: pictures and streams
are written a row or a packet at a time, so that building a 79-megapixel picture or three
hours of audio costs the test process next to nothing. ``build_hostile_media_site`` takes
a directory to keep the files between sites of one test session. ``EXPECTED`` says how
each item must end: a substring of its frontier or capture error.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from swordnet.simweb.server import Response, Site

# path -> a substring of the error the crawl must record for it (the budget it exceeded)
EXPECTED = {
    "/media/bomb.png": "budgets.image_max_pixels",
    "/media/bomb.gif": "budgets.image_max_pixels",
    "/media/silence-3h.opus": "budgets.audio_max_seconds",
    "/media/silence-6h.ogg": "budgets.audio_max_seconds",
    "/media/complete-works": "budgets.text_max_bytes",
    "/media/random.mp4": "not a readable video file",
    "/media/truncated.mp4": "video",
    "/media/inflating.png": "truncated",
}
HUGE_SIDES = (10_000, 7_900)  # 79 megapixels
BOMB_SIDES = (40_000, 40_000)  # 1.6 gigapixels in a few hundred kilobytes
GIANT_TEXT_BYTES = 30 * 1024 * 1024
_INFLATED_BYTES = 1 << 30  # what the gzip bomb inflates to
_CHUNK = 1 << 20


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_rows(width: int, height: int, rows: Iterator[bytes], *, bit_depth: int = 8) -> bytes:
    """A PNG (RGB, or greyscale at ``bit_depth`` < 8) compressed row by row: the whole
    picture is never held in memory, only its compressed stream."""
    colour = 2 if bit_depth == 8 else 0
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    compressor = zlib.compressobj(9)
    compressed = bytearray()
    for row in rows:
        compressed += compressor.compress(b"\0" + row)  # filter type 0 on every row
    compressed += compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", bytes(compressed))
        + _png_chunk(b"IEND", b"")
    )


def huge_poster() -> bytes:
    """79 megapixels of bands of colour: a real picture, compressing to about a megabyte."""
    width, height = HUGE_SIDES
    band = np.repeat(np.arange(width, dtype=np.uint32) // 500, 3).astype(np.uint8) * 12

    def rows() -> Iterator[bytes]:
        for y in range(height):
            yield (band + np.uint8(y // 400)).tobytes()

    return png_of_rows(width, height, rows())


def png_bomb() -> bytes:
    """A black 1-bit picture of 1.6 gigapixels: a few hundred kilobytes that decode to
    gigabytes."""
    width, height = BOMB_SIDES
    row = bytes((width + 7) // 8)
    return png_of_rows(width, height, (row for _ in range(height)), bit_depth=1)


def gif_bomb() -> bytes:
    """A GIF whose logical screen and only image claim 65535 x 65535 pixels."""
    side = 65535
    screen = b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    image = b"," + struct.pack("<HHHHB", 0, 0, side, side, 0) + b"\x02\x02\x44\x01\x00"
    return screen + image + b";"


def silent_opus(seconds: float, *, container_format: str = "ogg") -> bytes:
    """``seconds`` of silence in Opus: one encoded packet muxed again and again (encoding
    hours of audio would take minutes), about 2.7 MB an hour."""
    buffer = io.BytesIO()
    frame_size = 2880  # 60 ms at 48 kHz: Opus's longest frame, the fewest packets
    with av.open(buffer, "w", format=container_format) as out:
        stream = out.add_stream("libopus", rate=48000, layout="mono")
        assert isinstance(stream, av.AudioStream)
        stream.bit_rate = 6000
        stream.options = {"frame_duration": "60"}
        silence = np.zeros((1, frame_size), np.float32)
        encoded: list[av.Packet[av.AudioStream]] = []
        for number in range(8):  # past the encoder's look-ahead: a steady silent packet
            frame = av.AudioFrame.from_ndarray(silence, format="flt", layout="mono")
            frame.sample_rate, frame.pts = 48000, number * frame_size
            encoded += stream.encode(frame)
        for packet in encoded:
            out.mux(packet)
        template, time_base = bytes(encoded[-1]), encoded[-1].time_base
        for number in range(len(encoded), int(seconds * 48000 / frame_size)):
            copy = av.Packet(template)
            copy.pts = copy.dts = number * frame_size
            copy.duration, copy.time_base, copy.stream = frame_size, time_base, stream
            out.mux(copy)
    return buffer.getvalue()


def giant_text(size: int = GIANT_TEXT_BYTES) -> bytes:
    """Tens of megabytes of prose-like words (one generated megabyte, repeated)."""
    rng = random.Random(18)
    words = [
        "".join(rng.choice("etaoinshrdlucmfwyp") for _ in range(rng.randint(2, 9)))
        for _ in range(3000)
    ]
    block = bytearray()
    while len(block) < _CHUNK:
        block += (" ".join(rng.choice(words) for _ in range(12)) + ".\n").encode()
    return (bytes(block) * (size // len(block) + 1))[:size]


def random_video(size: int = 4 * _CHUNK) -> bytes:
    return random.Random(4).randbytes(size)


def truncated_mp4() -> bytes:
    """The first half of a small real MP4: its index promises frames that are not there."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=25)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        rng = np.random.default_rng(5)
        for _ in range(100):
            picture = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(stream.encode(None))
    data = buffer.getvalue()
    return data[: len(data) // 2]


def gzip_bomb(inflated: int = _INFLATED_BYTES) -> bytes:
    """A gzip stream of zeros: about a megabyte on the wire, ``inflated`` bytes decoded."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(_CHUNK)
    parts = [compressor.compress(zeros) for _ in range(inflated // _CHUNK)]
    return b"".join(parts) + compressor.flush()


_GENERATED = {
    "huge-poster.png": huge_poster,
    "bomb.png": png_bomb,
    "bomb.gif": gif_bomb,
    "silence-3h.opus": lambda: silent_opus(3 * 3600),
    "silence-6h.ogg": lambda: silent_opus(6 * 3600),
    "complete-works": giant_text,  # no suffix: followed as a page, served as text
    "random.mp4": random_video,
    "truncated.mp4": truncated_mp4,
    "inflating.png": gzip_bomb,
}
_TYPES = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    "": "text/plain; charset=utf-8",
    ".mp4": "video/mp4",
}


def generate_media(directory: Path) -> dict[str, Path]:
    """Write every hostile file into ``directory`` once; later calls reuse them."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, build in _GENERATED.items():
        path = directory / name
        if not path.exists():
            partial = path.with_suffix(path.suffix + ".part")
            partial.write_bytes(build())
            partial.replace(path)  # a file killed half-written is never taken for done
        paths[name] = path
    return paths


def build_hostile_media_site(directory: Path) -> Site:
    """The site: a home page linking every hostile file, as pictures, audio, video and
    plain links, the way a pirate page would."""
    site = Site(key="hostile-media", name="Hostile Media Site", category="other")
    tags = []
    for name, path in generate_media(directory).items():
        url = f"/media/{name}"
        suffix = path.suffix
        headers = {"Content-Encoding": "gzip"} if name == "inflating.png" else {}
        site.routes[url] = Response(path.read_bytes(), _TYPES[suffix], headers=headers)
        if suffix in {".png", ".gif"}:
            tags.append(f'<img src="{url}" alt="{name}">')
        elif suffix in {".opus", ".ogg"}:
            tags.append(f'<audio src="{url}" controls></audio>')
        elif suffix == ".mp4":
            tags.append(f'<video src="{url}" controls></video>')
        else:
            tags.append(f'<a href="{url}">{name}</a>')
    site.add_page("/", "<html><body><h1>Free downloads</h1>" + " ".join(tags) + "</body></html>")
    return site
