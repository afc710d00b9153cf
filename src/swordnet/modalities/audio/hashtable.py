"""The in-memory hash table of the audio index, and its vote over (reference, offset)."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from swordnet.modalities.audio.landmarks import HASH_BITS, Peaks, hash_pairs
from swordnet.modalities.audio.params import AudioMatchParams, Candidate

_VOTE_BITS = 20  # vote cells are hashed into 1M counters (stray votes are told apart later)
SAME_ALIGNMENT = 12  # frames: candidates this close on one reference are one alignment
# An entry is its reference's slot and its anchor frame in one integer, slot << frame_bits |
# frame, with frame_bits just wide enough for the longest reference: in 32 bits while slots
# and frames fit (32768 references of up to an hour, a million of up to 2 minutes), else in
# 64. A vote's cell is (grid point and slot, 2-frame offset bin): the row above _CELL_BITS,
# the offset bin plus _OFFSET_BIAS below; references are at most 2^_FRAME_BITS frames (49 days).
_FRAME_BITS = 27
_CELL_BITS = _FRAME_BITS - 1
_OFFSET_BIAS = 1 << (_CELL_BITS - 1)
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)
_BIN_SHIFT = np.uint64(64 - _VOTE_BITS)


def _vote_bin(cells: NDArray[np.int64]) -> NDArray[np.int64]:
    """Fibonacci hashing: neighbouring cells land far apart, so offsets do not collide."""
    return ((cells.astype(np.uint64) * _FIBONACCI) >> _BIN_SHIFT).astype(np.int64)


# The vote visits about a million (query hash, reference entry) pairs per query with the
# speed, tempo and pitch grid. As whole-array numpy steps that is a dozen passes over
# million-element arrays (about 25 ms); compiled, it is one walk over the buckets with no
# arrays in between. Numba caches the machine code next to this file: only a first run
# compiles (about a second).
#
# A query hash k votes for cell (bases[k] + slot) << _CELL_BITS | ((frame - q) >> 1) + bias,
# which is (origins[k] + (slot << _FRAME_BITS | frame)) >> 1 with origins[k] = bases[k] <<
# _FRAME_BITS - q + 2 bias: a shift, a mask and an addition per entry.


@numba.njit(cache=True, nogil=True, inline="always")
def _widened(entry: np.int64, frame_bits: int) -> np.int64:
    """An entry as slot << _FRAME_BITS | frame, whatever width it is stored in."""
    return ((entry >> frame_bits) << _FRAME_BITS) | (entry & ((1 << frame_bits) - 1))


@numba.njit(cache=True, nogil=True)
def _count_votes(
    keys: NDArray[np.int64],
    origins: NDArray[np.int64],
    starts: NDArray[np.int64],
    entries: NDArray[np.uint32] | NDArray[np.int64],
    frame_bits: int,
    cap: int,
) -> NDArray[np.uint16]:
    """Votes per hashed cell from each entry in each query hash's bucket (buckets of more
    than ``cap`` entries are skipped)."""
    votes = np.zeros(1 << _VOTE_BITS, np.uint16)  # 2 MB: stays in cache
    for k in range(keys.size):
        lo, hi = starts[keys[k]], starts[keys[k] + 1]
        if hi - lo > cap:
            continue
        for e in range(lo, hi):
            entry = _widened(np.int64(entries[e]), frame_bits)
            b = (np.uint64((origins[k] + entry) >> 1) * _FIBONACCI) >> _BIN_SHIFT
            if votes[b] < 65535:  # saturates: a counter no query could fill
                votes[b] += 1
    return votes


@numba.njit(cache=True, nogil=True)
def _votes_in(
    keys: NDArray[np.int64],
    origins: NDArray[np.int64],
    starts: NDArray[np.int64],
    entries: NDArray[np.uint32] | NDArray[np.int64],
    frame_bits: int,
    cap: int,
    wanted: NDArray[np.bool_],
    total: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(counter, cell) of the votes that went to ``wanted`` counters (at most ``total``),
    walked as ``_count_votes`` walks them."""
    found_bins = np.empty(total, np.int64)
    found_cells = np.empty(total, np.int64)
    n = 0
    for k in range(keys.size):
        lo, hi = starts[keys[k]], starts[keys[k] + 1]
        if hi - lo > cap:
            continue
        for e in range(lo, hi):
            cell = (origins[k] + _widened(np.int64(entries[e]), frame_bits)) >> 1
            b = (np.uint64(cell) * _FIBONACCI) >> _BIN_SHIFT
            if wanted[b] and n < total:
                found_bins[n] = b
                found_cells[n] = cell
                n += 1
    return found_bins[:n], found_cells[:n]


@numba.njit(cache=True, nogil=True)
def _top_bins(votes: NDArray[np.uint16], filled: NDArray[np.int64], keep: int) -> NDArray[np.int64]:
    """The ``keep`` counters with the most votes among the ``filled`` ones (of equals at the
    last place, the first ones), by a histogram of their counts, not a selection."""
    if filled.size <= keep:
        return filled
    histogram = np.zeros(1 << 16, np.int64)
    for b in filled:
        histogram[votes[b]] += 1
    bar, above = 1 << 16, 0  # every counter at bar or more fits: ``above`` of them
    while above + histogram[bar - 1] <= keep:
        bar -= 1
        above += histogram[bar]
    # Then of the counters one below the bar, as many as there is room for.
    room = keep - above
    found = np.empty(keep, np.int64)
    n = 0
    for b in filled:
        if votes[b] >= bar or (room > 0 and votes[b] == bar - 1):
            if votes[b] < bar:
                room -= 1
            found[n] = b
            n += 1
    return found[:n]


@dataclass(frozen=True, slots=True)
class HashTable:
    """Every reference hash, grouped by hash value (CSR layout) for direct lookup."""

    ref_ids: list[int]
    starts: NDArray[np.int64]  # starts[h]..starts[h+1] index the entries of hash h
    entries: NDArray[np.uint32] | NDArray[np.int64]  # slot << frame_bits | anchor frame
    frame_bits: int
    mean_bucket: float  # entries per hash value in use

    @classmethod
    def build(cls, references: dict[int, Peaks], fanout: int) -> HashTable:
        ref_ids = sorted(references)
        hashes: list[NDArray[np.int64]] = [np.zeros(0, np.int64)]
        slots: list[NDArray[np.int64]] = [np.zeros(0, np.int64)]
        frames: list[NDArray[np.int64]] = [np.zeros(0, np.int64)]
        for slot, ref_id in enumerate(ref_ids):
            pairs = hash_pairs(references[ref_id], fanout=fanout)
            hashes.append(pairs.hashes)
            anchors = pairs.anchor_frames.astype(np.int64)
            if anchors.size and anchors[-1] >= 1 << _FRAME_BITS:
                raise ValueError(f"reference {ref_id} is longer than the index can hold")
            frames.append(anchors)
            slots.append(np.full(anchors.size, slot, np.int64))
        all_hashes, all_frames = np.concatenate(hashes), np.concatenate(frames)
        frame_bits = max(1, int(all_frames.max(initial=0)).bit_length())
        narrow = frame_bits + max(1, (len(ref_ids) - 1).bit_length()) <= 32
        order = np.argsort(all_hashes, kind="stable")
        packed = ((np.concatenate(slots) << frame_bits) | all_frames)[order]
        entries: NDArray[np.uint32] | NDArray[np.int64] = (
            packed.astype(np.uint32) if narrow else packed
        )
        counts = np.bincount(all_hashes, minlength=1 << HASH_BITS)
        return cls(
            ref_ids,
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            entries,
            frame_bits,
            float(all_hashes.size / max(1, int(np.count_nonzero(counts)))),
        )

    def nbytes(self) -> int:
        return self.starts.nbytes + self.entries.nbytes

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
        # Per query hash: the frame it aligns from (integer: offsets are binned by 2 frames
        # anyway) and its grid point, folded into the base of its cells' rows.
        query_frames = np.rint(np.concatenate(frame_parts)).astype(np.int64)
        bases = np.concatenate(grid_parts) * len(self.ref_ids)
        origins = (bases << _FRAME_BITS) - query_frames + 2 * _OFFSET_BIAS
        # Hashes shared by many references say little and cost much: they are skipped.
        cap = int(params.max_bucket_ratio * self.mean_bucket)
        lookup = (keys, origins, self.starts, self.entries, self.frame_bits, cap)
        votes = _count_votes(*lookup)
        filled = np.flatnonzero(votes >= max(1, params.min_votes))
        top_bins = _top_bins(votes, filled, 4 * limit)
        if top_bins.size == 0:  # no cell reached the minimum of votes
            return []
        wanted = np.zeros(votes.size, np.bool_)
        wanted[top_bins] = True
        found_bins, found_cells = _votes_in(*lookup, wanted, int(votes[top_bins].sum()))
        # A counter can also hold a stray vote of another cell: name it after its majority.
        bin_cells, pair_votes = np.unique(
            np.stack([found_bins, found_cells], axis=1), axis=0, return_counts=True
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
            offset = 2 * ((cell & ((1 << _CELL_BITS) - 1)) - _OFFSET_BIAS) + 1
            point, slot = divmod(cell >> _CELL_BITS, len(self.ref_ids))
            # The same alignment seen again through a neighbouring bin or grid point would
            # only be verified twice and crowd other references out.
            if any(c.ref_slot == slot and abs(c.offset - offset) <= SAME_ALIGNMENT for c in chosen):
                continue
            scale, shift = grid[point]
            chosen.append(Candidate(slot, float(offset), scale, shift, total_votes))
        return chosen
