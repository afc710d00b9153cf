"""The text fingerprint's payload: normalised text, its offset map and a MinHash sketch.

Stored uncompressed (numpy's ``.npz``): compressing cost more time than the rest of
fingerprinting and the catalogue stores payloads once. Code points fit in 16 bits for
nearly all text, which halves the payload.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.text.normalize import NormalisedText


@dataclass(frozen=True, slots=True)
class TextPayload:
    normalised: NormalisedText
    sketch: bytes  # datasketch LeanMinHash bytes, scheme included


def encode_payload(payload: TextPayload) -> bytes:
    normalised = payload.normalised
    codes = normalised.codes
    if len(codes) == 0 or int(codes.max()) < 0x10000:
        codes = codes.astype(np.uint16)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        codes=codes,
        offsets=normalised.offsets.astype(np.int32),
        word_starts=np.packbits(normalised.token_starts()),
        original_length=np.array([normalised.original_length], dtype=np.int64),
        sketch=np.frombuffer(payload.sketch, dtype=np.uint8),
    )
    return buffer.getvalue()


def decode_payload(data: bytes) -> TextPayload:
    try:
        with np.load(io.BytesIO(data)) as arrays:
            codes = arrays["codes"].astype(np.uint32)
            offsets = arrays["offsets"].astype(np.int32)
            word_starts = np.unpackbits(arrays["word_starts"], count=len(codes)).astype(np.bool_)
            original_length = int(arrays["original_length"][0])
            sketch = arrays["sketch"].tobytes()
    except (ValueError, KeyError, OSError) as exc:
        raise CorruptMediaError(f"text fingerprint payload is damaged: {exc}") from exc
    text = codes.tobytes().decode("utf-32-le")
    return TextPayload(NormalisedText(text, offsets, original_length, word_starts), sketch)
