"""The text fingerprint's payload: normalised text, its offset map and a MinHash sketch.

A small fixed layout (magic, counts, then raw little-endian arrays) rather than ``.npz``:
numpy's archive reader cost more per chapter than normalising it. Code points are stored
in 16 bits when the text allows it, which is nearly always.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.text.normalize import NormalisedText

_MAGIC = b"SWT2"
_HEADER = struct.Struct("<4sBqqq")  # magic, code width, characters, original length, sketch


@dataclass(frozen=True, slots=True)
class TextPayload:
    normalised: NormalisedText
    sketch: bytes  # datasketch LeanMinHash bytes, scheme included


def encode_payload(payload: TextPayload) -> bytes:
    normalised = payload.normalised
    codes = normalised.codes
    width = 2 if len(codes) == 0 or int(codes.max()) < 0x10000 else 4
    stored = codes.astype("<u2" if width == 2 else "<u4")
    header = _HEADER.pack(
        _MAGIC, width, len(codes), normalised.original_length, len(payload.sketch)
    )
    return b"".join(
        (
            header,
            stored.tobytes(),
            normalised.offsets.astype("<i4").tobytes(),
            np.packbits(normalised.token_starts()).tobytes(),
            payload.sketch,
        )
    )


def decode_payload(data: bytes) -> TextPayload:
    try:
        magic, width, count, original_length, sketch_size = _HEADER.unpack_from(data)
        if magic != _MAGIC or width not in (2, 4):
            raise ValueError("unknown format")
        position = _HEADER.size
        # copied, so that the arrays kept by an index do not pin the whole payload
        codes = np.frombuffer(data, "<u2" if width == 2 else "<u4", count, position).copy()
        position += width * count
        offsets = np.frombuffer(data, "<i4", count, position).astype(np.int32)
        position += 4 * count
        packed_size = (count + 7) // 8
        packed = np.frombuffer(data, np.uint8, packed_size, position)
        word_starts = np.unpackbits(packed, count=count).astype(np.bool_)
        position += packed_size
        sketch = data[position : position + sketch_size]
        if len(sketch) != sketch_size:
            raise ValueError("truncated")
    except (ValueError, struct.error) as exc:
        raise CorruptMediaError(f"text fingerprint payload is damaged: {exc}") from exc
    normalised = NormalisedText(codes, offsets, original_length, word_starts)
    return TextPayload(normalised, sketch)
