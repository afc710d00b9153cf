"""A vPDQ-style baseline: PDQ of one frame a second, matched unordered.

As Meta's vPDQ: every frame is decoded, one a second is hashed with PDQ, frames of quality
under 50 are dropped, and a query frame matches a reference frame within 31 bits. Frames
are compared as a bag: the score of a (query, reference) pair is the share of query frames
that match, and the segment it reports spans the matched frames on each side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pdqhash

from swordnet.modalities.video.decode import decode_tolerantly

MAX_DISTANCE = 31
MIN_QUALITY = 50


@dataclass(frozen=True, slots=True)
class FrameHashes:
    times: npt.NDArray[np.float64]
    bits: npt.NDArray[np.uint8]  # (n, 256) unpacked bits

    @property
    def nbytes_packed(self) -> int:
        return len(self.times) * (32 + 4)  # a hash and a timestamp per frame


def hash_video(path: Path) -> FrameHashes:
    times: list[float] = []
    hashes: list[npt.NDArray[np.uint8]] = []
    next_time = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        try:
            for frame in decode_tolerantly(container, stream):
                if frame.pts is None:
                    continue
                time_s = float(frame.pts * frame.time_base) - start
                if time_s < next_time:
                    continue
                next_time = max(next_time, time_s) + 1.0
                bits, quality = pdqhash.compute(frame.to_ndarray(format="rgb24"))
                if quality >= MIN_QUALITY:
                    times.append(time_s)
                    hashes.append(np.asarray(bits, dtype=np.uint8))
        except av.FFmpegError:
            pass  # a damaged tail: keep the frames hashed so far, as our decoder does
    bits_array = np.stack(hashes) if hashes else np.zeros((0, 256), np.uint8)
    return FrameHashes(np.asarray(times), bits_array)


def match(
    query: FrameHashes, reference: FrameHashes
) -> tuple[float, tuple[float, float], tuple[float, float]] | None:
    """(share of query frames matched, query span, reference span), or None."""
    if len(query.times) == 0 or len(reference.times) == 0:
        return None
    distances = (query.bits[:, None, :] != reference.bits[None, :, :]).sum(axis=2)
    close = distances <= MAX_DISTANCE
    matched_q = np.flatnonzero(close.any(axis=1))
    if len(matched_q) == 0:
        return None
    matched_r = np.flatnonzero(close.any(axis=0))
    share = len(matched_q) / len(query.times)
    q_span = (float(query.times[matched_q].min()), float(query.times[matched_q].max()) + 1.0)
    r_span = (
        float(reference.times[matched_r].min()),
        float(reference.times[matched_r].max()) + 1.0,
    )
    return share, q_span, r_span
