"""Compact bytes for a fingerprint: peaks (frame deltas, pitches in hundredths of a semitone)
and band envelopes, zlib-compressed."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from numpy.typing import NDArray

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.audio.envelopes import BANDS
from swordnet.modalities.audio.landmarks import Peaks

_MAGIC = b"SNA2"
_HEADER = struct.Struct("<4sII")

Envelopes = NDArray[np.uint8]


def encode_payload(peaks: Peaks, envelopes: Envelopes) -> bytes:
    deltas = np.diff(peaks.frames, prepend=0).astype("<u4")
    cents = np.rint(peaks.pitches * 100.0).clip(0, 65535).astype("<u2")
    body = deltas.tobytes() + cents.tobytes() + np.ascontiguousarray(envelopes).tobytes()
    return _HEADER.pack(_MAGIC, len(peaks), envelopes.shape[0]) + zlib.compress(body, 6)


def decode_payload(data: bytes) -> tuple[Peaks, Envelopes]:
    if len(data) < _HEADER.size:
        raise CorruptMediaError("audio fingerprint payload is truncated")
    magic, count, frames = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise CorruptMediaError("not an audio fingerprint payload")
    try:
        body = zlib.decompress(data[_HEADER.size :])
    except zlib.error as error:
        raise CorruptMediaError(f"audio fingerprint payload is damaged ({error})") from None
    if len(body) != count * 6 + frames * BANDS:
        raise CorruptMediaError("audio fingerprint payload has the wrong length")
    deltas = np.frombuffer(body, "<u4", count)
    cents = np.frombuffer(body, "<u2", count, offset=count * 4)
    envelopes = np.frombuffer(body, np.uint8, frames * BANDS, offset=count * 6)
    frames_of_peaks = np.cumsum(deltas.astype(np.int64)).astype(np.int32)
    peaks = Peaks(frames_of_peaks, cents.astype(np.float32) / 100.0)
    return peaks, envelopes.reshape(frames, BANDS)


def decode_peaks(data: bytes) -> Peaks:
    return decode_payload(data)[0]


def encode_peaks(peaks: Peaks) -> bytes:
    """A payload with peaks only (kept for callers that store peaks on their own)."""
    return encode_payload(peaks, np.zeros((0, BANDS), np.uint8))
