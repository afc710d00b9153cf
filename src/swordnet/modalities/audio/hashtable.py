"""The in-memory hash table of the audio index, and its vote over (reference, offset)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from swordnet.modalities.audio.landmarks import HASH_BITS, Peaks, hash_pairs
from swordnet.modalities.audio.params import AudioMatchParams, Candidate

_OFFSET_BIAS = 1 << 24  # offset bins: 12 days of reference either side of zero
_VOTE_BITS = 20  # vote cells are hashed into 1M counters (stray votes are told apart later)
_SAME_ALIGNMENT = 12  # frames: candidates this close on one reference are one alignment


def _vote_bin(cells: NDArray[np.int64]) -> NDArray[np.int64]:
    """Fibonacci hashing: neighbouring cells land far apart, so offsets do not collide."""
    mixed = cells.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return (mixed >> np.uint64(64 - _VOTE_BITS)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class HashTable:
    """Every reference hash, grouped by hash value (CSR layout) for direct lookup."""

    ref_ids: list[int]
    starts: NDArray[np.int64]  # starts[h]..starts[h+1] index the entries of hash h
    entry_slots: NDArray[np.int32]
    entry_frames: NDArray[np.int32]
    mean_bucket: float  # entries per hash value in use

    @classmethod
    def build(cls, references: dict[int, Peaks], fanout: int) -> HashTable:
        ref_ids = sorted(references)
        hashes: list[NDArray[np.int64]] = []
        slots: list[NDArray[np.int32]] = []
        frames: list[NDArray[np.int32]] = []
        for slot, ref_id in enumerate(ref_ids):
            pairs = hash_pairs(references[ref_id], fanout=fanout)
            hashes.append(pairs.hashes)
            frames.append(pairs.anchor_frames.astype(np.int32))
            slots.append(np.full(pairs.hashes.size, slot, np.int32))
        all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, np.int64)
        order = np.argsort(all_hashes, kind="stable")
        counts = np.bincount(all_hashes, minlength=1 << HASH_BITS)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(
            ref_ids,
            starts,
            (np.concatenate(slots) if slots else np.zeros(0, np.int32))[order],
            (np.concatenate(frames) if frames else np.zeros(0, np.int32))[order],
            float(all_hashes.size / max(1, int(np.count_nonzero(counts)))),
        )

    def nbytes(self) -> int:
        return self.starts.nbytes + self.entry_slots.nbytes + self.entry_frames.nbytes

    def vote(
        self,
        peaks: Peaks,
        grid: list[tuple[float, float]],
        params: AudioMatchParams,
        *,
        limit: int | None = None,
    ) -> list[Candidate]:
        """Count hash hits per (grid point, reference, 2-frame offset bin); return the best
        ``limit`` alignments (``params.candidates`` by default)."""
        limit = limit or params.candidates
        keys_parts: list[NDArray[np.int64]] = []
        frame_parts: list[NDArray[np.float64]] = []
        grid_parts: list[NDArray[np.int64]] = []
        for point, (scale, shift) in enumerate(grid):
            # The query as it is also votes with its time steps a frame either way (the
            # grid's scaled frames are rounded anew at each point, which spreads them anyway).
            as_is = scale == 1.0 and shift == 0.0
            pairs = hash_pairs(
                peaks,
                fanout=params.query_fanout,
                time_scale=scale,
                pitch_shift=shift,
                dt_tolerance=params.dt_tolerance if as_is else 0,
            )
            keys_parts.append(pairs.hashes)
            frame_parts.append(pairs.anchor_frames)
            grid_parts.append(np.full(pairs.hashes.size, point, np.int64))
        keys = np.concatenate(keys_parts)
        lo = self.starts[keys]
        counts = self.starts[keys + 1] - lo
        # Hashes shared by many references say little and cost much: skip them.
        counts[counts > params.max_bucket_ratio * self.mean_bucket] = 0
        total = int(counts.sum())
        if total == 0:
            return []
        owner = np.repeat(np.arange(keys.size, dtype=np.int32), counts)
        entries = np.arange(total, dtype=np.int64) + np.repeat(
            lo - (np.cumsum(counts) - counts), counts
        )
        # Per query hash: its grid point and the frame it aligns from, folded into one base.
        points = np.concatenate(grid_parts) * len(self.ref_ids)
        # Integer frames from here on: offsets are binned by 2 frames anyway.
        query_frames = np.rint(np.concatenate(frame_parts)).astype(np.int32)
        offset_bins = (self.entry_frames[entries] - query_frames[owner]) >> 1
        rows = points[owner] + self.entry_slots[entries]
        cells = (rows << 26) | (offset_bins + _OFFSET_BIAS)
        # Votes go to hashed cells (a collision only adds noise votes): no sort needed.
        bins = _vote_bin(cells)
        votes = np.bincount(bins, minlength=1 << _VOTE_BITS)
        filled = np.flatnonzero(votes >= params.min_votes)
        keep = min(filled.size, 4 * limit)
        top_bins = filled[np.argpartition(votes[filled], -keep)[-keep:]] if keep else filled
        wanted = np.zeros(1 << _VOTE_BITS, bool)
        wanted[top_bins] = True
        found = np.flatnonzero(wanted[bins])
        if found.size == 0:  # no cell reached the minimum of votes
            return []
        # A counter can also hold a stray vote of another cell: name it after its majority.
        bin_cells, pair_votes = np.unique(
            np.stack([bins[found], cells[found]], axis=1), axis=0, return_counts=True
        )
        order = np.lexsort((-pair_votes, bin_cells[:, 0]))
        first = np.concatenate([[True], bin_cells[order[1:], 0] != bin_cells[order[:-1], 0]])
        cell_of_bin: dict[int, int] = dict(bin_cells[order[first]].tolist())
        top_cells = np.array([cell_of_bin[b] for b in top_bins.tolist()], np.int64)
        # Offsets jitter across bin edges: add the better neighbour bin.
        side = np.maximum(votes[_vote_bin(top_cells - 1)], votes[_vote_bin(top_cells + 1)])
        totals = votes[top_bins] + side
        scored = sorted(zip(totals.tolist(), top_cells.tolist(), strict=True), reverse=True)
        chosen: list[Candidate] = []
        for total_votes, cell in scored:
            if total_votes < params.min_votes or len(chosen) == limit:
                break
            offset = 2 * ((cell & ((1 << 26) - 1)) - _OFFSET_BIAS) + 1
            point, slot = divmod(cell >> 26, len(self.ref_ids))
            # The same alignment seen again through a neighbouring bin or grid point would
            # only be verified twice and crowd other references out.
            if any(
                c.ref_slot == slot and abs(c.offset - offset) <= _SAME_ALIGNMENT for c in chosen
            ):
                continue
            scale, shift = grid[point]
            chosen.append(Candidate(slot, float(offset), scale, shift, total_votes))
        return chosen
