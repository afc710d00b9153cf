"""The road not taken, kept measurable: scale-invariant peak-triplet hashes.

``bench/audio.py --triplets`` runs this beside the shipped matcher (pair hashes plus a
query-side grid of time scales and pitch shifts) so the choice in docs/audio.md can be
re-measured. A triplet (anchor, two later peaks) is hashed by its two pitch steps (in half
semitones, unchanged by a pitch shift) and the ratio of its two time steps (unchanged by a
speed or tempo change), so one lookup serves every speed; each hit then estimates its own
time scale and pitch shift, and votes for (reference, scale, shift, aligned centre). The
best cells go through the same peak-level verification as the shipped matcher.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from swordnet.modalities.audio.landmarks import MAX_DT, MAX_STEP_SEMITONES, Peaks
from swordnet.modalities.audio.verify import verify_alignment

RATIO_BINS = 16
SCALE_STEP = 0.03  # vote bins of 3% in time scale
Triplets = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def triplet_hashes(peaks: Peaks, fanout: int) -> Triplets:
    """(hash, anchor frame, anchor pitch, span in frames) of every triplet."""
    n = len(peaks)
    empty = np.zeros(0)
    if n < 3:
        return np.zeros(0, np.int64), empty, empty, empty
    frames = peaks.frames.astype(np.float64)
    pitches = peaks.pitches.astype(np.float64)
    reach = min(n - 1, 4 * fanout + 8)
    anchors = np.arange(n)[:, None]
    targets = np.minimum(anchors + np.arange(1, reach + 1)[None, :], n - 1)
    dt = frames[targets] - frames[anchors]
    step = pitches[targets] - pitches[anchors]
    valid = (anchors + np.arange(1, reach + 1)[None, :] < n) & (dt >= 1) & (dt < MAX_DT)
    valid &= np.abs(step) < MAX_STEP_SEMITONES
    valid &= np.cumsum(valid, axis=1) <= fanout
    rows, cols = np.nonzero(valid)
    hashes, anchor_frames, anchor_pitches, spans = [], [], [], []
    per_anchor = np.split(cols, np.searchsorted(rows, np.arange(1, n)))
    for anchor, chosen in enumerate(per_anchor):
        if chosen.size < 2:
            continue
        first, second = np.triu_indices(chosen.size, k=1)
        near, far = targets[anchor, chosen[first]], targets[anchor, chosen[second]]
        span = frames[far] - frames[anchor]
        ok = frames[far] > frames[near]
        near, far, span = near[ok], far[ok], span[ok]
        ratio = np.minimum((frames[near] - frames[anchor]) / span * RATIO_BINS, RATIO_BINS - 1)
        step_near = np.rint(2 * (pitches[near] - pitches[anchor])).astype(np.int64) + 24
        step_far = np.rint(2 * (pitches[far] - pitches[anchor])).astype(np.int64) + 24
        hashes.append((step_near << 10) | (step_far << 4) | ratio.astype(np.int64))
        anchor_frames.append(np.full(span.size, frames[anchor]))
        anchor_pitches.append(np.full(span.size, pitches[anchor]))
        spans.append(span)
    if not hashes:
        return np.zeros(0, np.int64), empty, empty, empty
    return (
        np.concatenate(hashes),
        np.concatenate(anchor_frames),
        np.concatenate(anchor_pitches),
        np.concatenate(spans),
    )


class TripletIndex:
    name = "triplets"

    def __init__(self, reference_fanout: int = 4, query_fanout: int = 6) -> None:
        self.reference_fanout = reference_fanout
        self.query_fanout = query_fanout
        self.references: dict[int, Peaks] = {}
        self._table: tuple[NDArray[np.int64], ...] | None = None
        self.entries = 0

    def add(self, ref_id: int, peaks: Peaks) -> None:
        self.references[ref_id] = peaks
        self._table = None

    def _build(self) -> tuple[NDArray[np.int64], ...]:
        parts = []
        for slot, ref_id in enumerate(sorted(self.references)):
            hashes, frames, pitches, spans = triplet_hashes(
                self.references[ref_id], self.reference_fanout
            )
            parts.append((hashes, np.full(hashes.size, slot), frames, pitches, spans))
        columns = [np.concatenate([p[i] for p in parts]) for i in range(5)]
        order = np.argsort(columns[0], kind="stable")
        columns = [c[order] for c in columns]
        starts = np.searchsorted(columns[0], np.arange((1 << 16) + 1))
        self.entries = int(columns[0].size)
        return (starts, *columns[1:])  # type: ignore[return-value]

    def best(self, peaks: Peaks) -> tuple[int | None, float]:
        if self._table is None:
            self._table = self._build()
        starts, slots, ref_frames, ref_pitches, ref_spans = self._table
        hashes, frames, pitches, spans = triplet_hashes(peaks, self.query_fanout)
        if hashes.size == 0:
            return None, 0.0
        lo, hi = starts[hashes], starts[hashes + 1]
        counts = hi - lo
        owner = np.repeat(np.arange(hashes.size), counts)
        entries = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        entries += lo[owner]
        scale = ref_spans[entries] / spans[owner]
        shift = ref_pitches[entries] - pitches[owner]
        keep = (scale > 0.85) & (scale < 1.17) & (np.abs(shift) < 2.5)
        entries, owner, scale, shift = entries[keep], owner[keep], scale[keep], shift[keep]
        centre = float(peaks.frames.mean())
        aligned = ref_frames[entries] + scale * (centre - frames[owner])
        cells = np.stack(
            [
                slots[entries],
                np.rint(np.log(scale) / np.log1p(SCALE_STEP)),
                np.rint(shift * 2),
                np.floor(aligned / 8),
            ],
            axis=1,
        ).astype(np.int64)
        if cells.shape[0] == 0:
            return None, 0.0
        unique, votes = np.unique(cells, axis=0, return_counts=True)
        ref_ids = sorted(self.references)
        best_id, best_z = None, 0.0
        for position in np.argsort(-votes)[:12]:
            slot, scale_bin, shift_bin, centre_bin = unique[position]
            a = float((1 + SCALE_STEP) ** scale_bin)
            s = float(shift_bin) / 2
            for da in (-0.01, 0.0, 0.01):
                for ds in (-0.25, 0.0, 0.25):
                    offset = centre_bin * 8 + 4 - (a + da) * centre
                    verdict = verify_alignment(
                        peaks,
                        self.references[ref_ids[slot]],
                        offset=offset,
                        time_scale=a + da,
                        pitch_shift=s + ds,
                    )
                    if verdict.z > best_z:
                        best_id, best_z = ref_ids[slot], verdict.z
        return best_id, best_z

    def index_bytes(self) -> int:
        return 16 * self.entries
