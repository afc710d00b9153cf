"""Compact bytes for a fingerprint: peaks (frame deltas, pitches in hundredths of a semitone),
band envelopes and, for queries, the peak map (``peakmap``), zlib-compressed; since SNA4,
the phase witness's data too (``phase``): a reference's phase points, a query's phases.

``SNA2`` payloads have no peak map (references, and queries fingerprinted before it existed);
``SNA3`` payloads add one; ``SNA4`` payloads carry phases (and a peak map if a query): a
query's phases, packed two to a byte, come uncompressed before the zlib stream; ``SNA5``
payloads (queries) add the dense peaks, a superset of the peaks, at the end of the zlib
stream. All decode; a payload without phases leaves the phase witness silent, one without
dense peaks the dense scan."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.audio.envelopes import BANDS
from swordnet.modalities.audio.landmarks import Peaks
from swordnet.modalities.audio.peakmap import PeakMap
from swordnet.modalities.audio.phase import QUERY_STEPS, PhasePoints, QueryPhases

_MAGIC = b"SNA2"
_MAGIC_WITH_MAP = b"SNA3"
_MAGIC_WITH_PHASE = b"SNA4"
_HEADER = struct.Struct("<4sII")
_MAP_HEADER = struct.Struct("<II")  # after _HEADER in SNA3: map frames, map columns
# After _HEADER in SNA4: map frames, map columns, phase points, query phase frames, query
# phase bins, the first of those bins.
_PHASE_HEADER = struct.Struct("<IIIIII")
_MAGIC_WITH_DENSE = b"SNA5"
_DENSE_HEADER = struct.Struct("<I")  # after _PHASE_HEADER in SNA5: dense peaks

Envelopes = NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class AudioPayload:
    peaks: Peaks
    envelopes: Envelopes
    peak_map: PeakMap | None = None  # queries only
    points: PhasePoints | None = None  # references (SNA4; None when there are none)
    phases: QueryPhases | None = None  # queries (SNA4; None when there are none)
    dense_peaks: Peaks | None = None  # queries (SNA5; None when there are none)


# Queries are matched once and seldom kept: zlib's fastest level takes 1 ms for a 10 s
# query where level 6 takes 2.3, for a payload 4% larger. References keep level 6.
_QUERY_LEVEL = 1


def encode_payload(
    peaks: Peaks,
    envelopes: Envelopes,
    peak_map: PeakMap | None = None,
    *,
    points: PhasePoints | None = None,
    phases: QueryPhases | None = None,
    dense_peaks: Peaks | None = None,
) -> bytes:
    body = _peak_bytes(peaks) + np.ascontiguousarray(envelopes).tobytes()
    has_map = peak_map is not None and peak_map.size > 0
    dense = dense_peaks if dense_peaks is not None else Peaks.empty()
    if (points is None or len(points) == 0) and (phases is None or phases.size == 0):
        if not has_map:
            return _HEADER.pack(_MAGIC, len(peaks), envelopes.shape[0]) + zlib.compress(body, 6)
        assert peak_map is not None
        head = _HEADER.pack(_MAGIC_WITH_MAP, len(peaks), envelopes.shape[0])
        head += _MAP_HEADER.pack(*peak_map.shape)
        body += np.ascontiguousarray(peak_map, np.uint8).tobytes()
        return head + zlib.compress(body, _QUERY_LEVEL)
    map_shape = peak_map.shape if peak_map is not None and has_map else (0, 0)
    points = points or PhasePoints.empty()
    phases = phases or QueryPhases.empty()
    magic = _MAGIC_WITH_DENSE if len(dense) else _MAGIC_WITH_PHASE
    head = _HEADER.pack(magic, len(peaks), envelopes.shape[0])
    head += _PHASE_HEADER.pack(*map_shape, len(points), *phases.steps.shape, phases.first_bin)
    if has_map:
        assert peak_map is not None
        body += np.ascontiguousarray(peak_map, np.uint8).tobytes()
    body += np.diff(points.frames, prepend=0).astype("<u4").tobytes()
    body += points.bins.astype("<u2").tobytes() + points.phases.astype(np.uint8).tobytes()
    if len(dense):
        head += _DENSE_HEADER.pack(len(dense))
        body += _peak_bytes(dense)
    # A query's phases are as good as random bytes: zlib would spend time and save nothing.
    level = _QUERY_LEVEL if has_map or phases.size else 6
    return head + _pack_nibbles(phases.steps).tobytes() + zlib.compress(body, level)


def _peak_bytes(peaks: Peaks) -> bytes:
    """Frame deltas (u4), then pitches in hundredths of a semitone (u2)."""
    deltas = np.diff(peaks.frames, prepend=0).astype("<u4")
    cents = np.rint(peaks.pitches * 100.0).clip(0, 65535).astype("<u2")
    return bytes(deltas.tobytes() + cents.tobytes())


def _peaks_from(body: bytes, count: int, offset: int) -> Peaks:
    deltas = np.frombuffer(body, "<u4", count, offset)
    cents = np.frombuffer(body, "<u2", count, offset + count * 4)
    frames = np.cumsum(deltas.astype(np.int64)).astype(np.int32)
    return Peaks(frames, cents.astype(np.float32) / 100.0)


def _pack_nibbles(steps: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Two 4-bit phase steps per byte (rows padded to an even length)."""
    frames, bins = steps.shape
    padded = np.zeros((frames, bins + bins % 2), np.uint8)
    padded[:, :bins] = steps
    packed: NDArray[np.uint8] = (padded[:, 0::2] | (padded[:, 1::2] << 4)).astype(np.uint8)
    return packed


def _unpack_nibbles(packed: NDArray[np.uint8], bins: int) -> NDArray[np.uint8]:
    steps = np.empty((packed.shape[0], packed.shape[1] * 2), np.uint8)
    steps[:, 0::2] = packed & (QUERY_STEPS - 1)
    steps[:, 1::2] = packed >> 4
    return steps[:, :bins]


def decode_payload(data: bytes) -> tuple[Peaks, Envelopes]:
    found = decode_all(data)
    return found.peaks, found.envelopes


def decode_query_payload(data: bytes) -> tuple[Peaks, Envelopes, PeakMap | None]:
    """Peaks, envelopes and the peak map (None in payloads without one)."""
    found = decode_all(data)
    return found.peaks, found.envelopes, found.peak_map


def decode_all(data: bytes) -> AudioPayload:
    """Everything a payload of any version carries."""
    if len(data) < _HEADER.size:
        raise CorruptMediaError("audio fingerprint payload is truncated")
    magic, count, frames = _HEADER.unpack_from(data)
    if magic not in (_MAGIC, _MAGIC_WITH_MAP, _MAGIC_WITH_PHASE, _MAGIC_WITH_DENSE):
        raise CorruptMediaError("not an audio fingerprint payload")
    start, map_shape, extra, dense_count = _HEADER.size, (0, 0), (0, 0, 0, 0), 0
    if magic != _MAGIC:
        layout = _MAP_HEADER if magic == _MAGIC_WITH_MAP else _PHASE_HEADER
        more = _DENSE_HEADER.size if magic == _MAGIC_WITH_DENSE else 0
        if len(data) < _HEADER.size + layout.size + more:
            raise CorruptMediaError("audio fingerprint payload is truncated")
        fields = layout.unpack_from(data, _HEADER.size)
        map_shape, extra = fields[:2], (*fields[2:], 0, 0, 0, 0)[:4]
        start += layout.size
        if more:
            (dense_count,) = _DENSE_HEADER.unpack_from(data, start)
            start += more
    points_count, phase_frames, phase_bins, _ = extra
    packed_size = phase_frames * ((phase_bins + 1) // 2)
    if len(data) < start + packed_size:
        raise CorruptMediaError("audio fingerprint payload is truncated")
    packed = np.frombuffer(data, np.uint8, packed_size, start)
    start += packed_size
    try:
        body = zlib.decompress(data[start:])
    except zlib.error as error:
        raise CorruptMediaError(f"audio fingerprint payload is damaged ({error})") from None
    map_size = map_shape[0] * map_shape[1]
    expected = count * 6 + frames * BANDS + map_size + points_count * 7 + dense_count * 6
    if len(body) != expected:
        raise CorruptMediaError("audio fingerprint payload has the wrong length")
    peaks = _peaks_from(body, count, 0)
    envelopes = np.frombuffer(body, np.uint8, frames * BANDS, offset=count * 6)
    position = count * 6 + frames * BANDS
    found: PeakMap | None = None
    if map_size:
        found = np.frombuffer(body, np.uint8, map_size, offset=position).reshape(map_shape)
    position += map_size
    points, phases = _phase_sections(body[position:], points_count, packed, extra[1:])
    position += points_count * 7
    dense = _peaks_from(body, dense_count, position) if dense_count else None
    return AudioPayload(peaks, envelopes.reshape(frames, BANDS), found, points, phases, dense)


def _phase_sections(
    body: bytes, count: int, packed: NDArray[np.uint8], shape: tuple[int, int, int]
) -> tuple[PhasePoints | None, QueryPhases | None]:
    """A reference's phase points (frame deltas, bins, phases) from the rest of the zlib
    body, and a query's phases from the packed bytes ((frames, bins, first bin) given)."""
    points: PhasePoints | None = None
    if count:
        frames = np.frombuffer(body, "<u4", count)
        bins_of = np.frombuffer(body, "<u2", count, offset=count * 4)
        values = np.frombuffer(body, np.uint8, count, offset=count * 6)
        points = PhasePoints(
            np.cumsum(frames.astype(np.int64)).astype(np.int32),
            bins_of.astype(np.int16),
            values.copy(),
        )
    phases: QueryPhases | None = None
    rows_count, bins, first_bin = shape
    if rows_count:
        rows = packed.reshape(rows_count, (bins + 1) // 2)
        phases = QueryPhases(_unpack_nibbles(rows, bins), int(first_bin))
    return points, phases


def decode_peaks(data: bytes) -> Peaks:
    return decode_payload(data)[0]


def encode_peaks(peaks: Peaks) -> bytes:
    """A payload with peaks only (kept for callers that store peaks on their own)."""
    return encode_payload(peaks, np.zeros((0, BANDS), np.uint8))
