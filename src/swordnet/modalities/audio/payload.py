"""Compact bytes for a list of peaks: frame deltas and pitches in hundredths of a semitone."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.audio.landmarks import Peaks

_MAGIC = b"SNA1"
_HEADER = struct.Struct("<4sI")


def encode_peaks(peaks: Peaks) -> bytes:
    deltas = np.diff(peaks.frames, prepend=0).astype(np.uint32)
    cents = np.rint(peaks.pitches * 100.0).clip(0, 65535).astype(np.uint16)
    body = zlib.compress(deltas.astype("<u4").tobytes() + cents.astype("<u2").tobytes(), 6)
    return _HEADER.pack(_MAGIC, len(peaks)) + body


def decode_peaks(data: bytes) -> Peaks:
    if len(data) < _HEADER.size:
        raise CorruptMediaError("audio fingerprint payload is truncated")
    magic, count = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise CorruptMediaError("not an audio fingerprint payload")
    try:
        body = zlib.decompress(data[_HEADER.size :])
    except zlib.error as error:
        raise CorruptMediaError(f"audio fingerprint payload is damaged ({error})") from None
    if len(body) != count * 6:
        raise CorruptMediaError("audio fingerprint payload has the wrong length")
    deltas = np.frombuffer(body, "<u4", count)
    cents = np.frombuffer(body, "<u2", count, offset=count * 4)
    frames = np.cumsum(deltas.astype(np.int64)).astype(np.int32)
    return Peaks(frames, (cents.astype(np.float32) / 100.0))
