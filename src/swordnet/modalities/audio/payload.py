"""Compact bytes for a fingerprint: peaks (frame deltas, pitches in hundredths of a semitone),
band envelopes and, for queries, the peak map (``peakmap``), zlib-compressed.

``SNA2`` payloads have no peak map (references, and queries fingerprinted before it existed);
``SNA3`` payloads add one. Both decode."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from numpy.typing import NDArray

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.audio.envelopes import BANDS
from swordnet.modalities.audio.landmarks import Peaks
from swordnet.modalities.audio.peakmap import PeakMap

_MAGIC = b"SNA2"
_MAGIC_WITH_MAP = b"SNA3"
_HEADER = struct.Struct("<4sII")
_MAP_HEADER = struct.Struct("<II")  # after _HEADER in SNA3: map frames, map columns

Envelopes = NDArray[np.uint8]


def encode_payload(peaks: Peaks, envelopes: Envelopes, peak_map: PeakMap | None = None) -> bytes:
    deltas = np.diff(peaks.frames, prepend=0).astype("<u4")
    cents = np.rint(peaks.pitches * 100.0).clip(0, 65535).astype("<u2")
    body = deltas.tobytes() + cents.tobytes() + np.ascontiguousarray(envelopes).tobytes()
    if peak_map is None or peak_map.size == 0:
        return _HEADER.pack(_MAGIC, len(peaks), envelopes.shape[0]) + zlib.compress(body, 6)
    head = _HEADER.pack(_MAGIC_WITH_MAP, len(peaks), envelopes.shape[0])
    head += _MAP_HEADER.pack(*peak_map.shape)
    body += np.ascontiguousarray(peak_map, np.uint8).tobytes()
    return head + zlib.compress(body, 6)


def decode_payload(data: bytes) -> tuple[Peaks, Envelopes]:
    peaks, envelopes, _ = decode_query_payload(data)
    return peaks, envelopes


def decode_query_payload(data: bytes) -> tuple[Peaks, Envelopes, PeakMap | None]:
    """Peaks, envelopes and the peak map (None in payloads without one)."""
    if len(data) < _HEADER.size:
        raise CorruptMediaError("audio fingerprint payload is truncated")
    magic, count, frames = _HEADER.unpack_from(data)
    if magic not in (_MAGIC, _MAGIC_WITH_MAP):
        raise CorruptMediaError("not an audio fingerprint payload")
    start, map_shape = _HEADER.size, (0, 0)
    if magic == _MAGIC_WITH_MAP:
        if len(data) < _HEADER.size + _MAP_HEADER.size:
            raise CorruptMediaError("audio fingerprint payload is truncated")
        map_shape = _MAP_HEADER.unpack_from(data, _HEADER.size)
        start += _MAP_HEADER.size
    try:
        body = zlib.decompress(data[start:])
    except zlib.error as error:
        raise CorruptMediaError(f"audio fingerprint payload is damaged ({error})") from None
    map_size = map_shape[0] * map_shape[1]
    if len(body) != count * 6 + frames * BANDS + map_size:
        raise CorruptMediaError("audio fingerprint payload has the wrong length")
    deltas = np.frombuffer(body, "<u4", count)
    cents = np.frombuffer(body, "<u2", count, offset=count * 4)
    envelopes = np.frombuffer(body, np.uint8, frames * BANDS, offset=count * 6)
    frames_of_peaks = np.cumsum(deltas.astype(np.int64)).astype(np.int32)
    peaks = Peaks(frames_of_peaks, cents.astype(np.float32) / 100.0)
    found: PeakMap | None = None
    if map_size:
        found = np.frombuffer(body, np.uint8, map_size, offset=count * 6 + frames * BANDS)
        found = found.reshape(map_shape)
    return peaks, envelopes.reshape(frames, BANDS), found


def decode_peaks(data: bytes) -> Peaks:
    return decode_payload(data)[0]


def encode_peaks(peaks: Peaks) -> bytes:
    """A payload with peaks only (kept for callers that store peaks on their own)."""
    return encode_payload(peaks, np.zeros((0, BANDS), np.uint8))
