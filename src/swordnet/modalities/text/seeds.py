"""Seeds: the query grams found among the references' postings, screened before alignment.

A seed is a gram shared by the query and a reference. Most seeds are common phrases
that happen to recur; a glance at a few characters either side drops most of them, one
seed is kept per diagonal and stretch of text (inside a copy, neighbours say the same
thing), and the rest are extended in bulk within a small window before anything is
aligned one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from swordnet.modalities.text.align import AlignParams, window_extensions
from swordnet.modalities.text.winnow import Grams

WINDOW = 32  # seeds are first extended this far in bulk; references are padded by as much
GLANCE = 8  # characters compared on each side of a seed at first
SEED_SPACING = 128  # at most one seed per diagonal and stretch of this many characters
QUERY_PAD = np.uint32(0xFFFFFFF0)
_DIRECTORY_BITS = 20


@dataclass(frozen=True, slots=True)
class HashLookup:
    """Distinct posting hashes, where each one's postings start and how many there are.

    Boilerplate hashes (shared by more than ``max_postings`` postings) are left out. A
    directory over the top bits makes a lookup one or two probes instead of a
    twenty-step binary search with a cache miss at every step.
    """

    hashes: npt.NDArray[np.uint64]
    first: npt.NDArray[np.int64]
    count: npt.NDArray[np.int32]
    directory: npt.NDArray[np.signedinteger[Any]]

    @classmethod
    def build(cls, sorted_hashes: npt.NDArray[np.uint64], max_postings: int) -> Self:
        starts_run = np.ones(len(sorted_hashes), dtype=np.bool_)
        starts_run[1:] = sorted_hashes[1:] != sorted_hashes[:-1]
        first = np.flatnonzero(starts_run)
        count = np.diff(np.append(first, len(sorted_hashes)))
        useful = count <= max_postings
        hashes = sorted_hashes[first][useful]
        top = (hashes >> np.uint64(64 - _DIRECTORY_BITS)).astype(np.int64)
        directory = np.searchsorted(top, np.arange((1 << _DIRECTORY_BITS) + 1))
        return cls(
            hashes,
            first[useful].astype(np.int64),
            count[useful].astype(np.int32),
            directory.astype(np.int32 if len(top) < 2**31 else np.int64),
        )

    @classmethod
    def empty(cls) -> Self:
        return cls.build(np.empty(0, dtype=np.uint64), 1)

    def find(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Position of each hash in ``self.hashes``, or -1."""
        top = (hashes >> np.uint64(64 - _DIRECTORY_BITS)).astype(np.int64)
        probe = self.directory[top].astype(np.int64)
        stop = self.directory[top + 1]
        found = np.full(len(hashes), -1, dtype=np.int64)
        active = np.flatnonzero(probe < stop)  # most hashes meet an empty bucket
        while len(active):
            at = probe[active]
            hit = self.hashes[at] == hashes[active]
            found[active[hit]] = at[hit]
            active = active[~hit]
            probe[active] += 1
            active = active[probe[active] < stop[active]]
        return found


@dataclass(frozen=True, slots=True)
class Postings:
    """Per posting: reference, position in it and in the laid-out references, gram length."""

    lookup: HashLookup
    ref_of: npt.NDArray[np.int64]
    pos_of: npt.NDArray[np.int32]
    global_of: npt.NDArray[np.int64]
    len_of: npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class ScreenParams:
    glance_min_equal: int  # of the 2 * GLANCE characters beside a seed
    min_seed_extent: int  # shorter matches around a seed are common phrases
    align: AlignParams


def screened_seeds(
    codes: npt.NDArray[np.uint32],
    grams: Grams,
    postings: Postings,
    references: npt.NDArray[np.unsignedinteger[Any]],
    screen: ScreenParams,
) -> npt.NDArray[np.int64]:
    """Rows worth aligning: query start, reference start, length, window extensions (see
    ``align_seeds``), reference id. ``references`` holds every reference end to end,
    with ``WINDOW`` padding characters around each, equal to nothing in a query."""
    found = postings.lookup.find(grams.hashes)
    useful = found >= 0
    left = postings.lookup.first[found[useful]]
    counts = postings.lookup.count[found[useful]]
    total = int(counts.sum())
    if total == 0:
        return np.empty((0, 10), dtype=np.int64)
    group_start = np.cumsum(counts) - counts
    shared = np.arange(total) - np.repeat(group_start - left, counts)
    q_start = np.repeat(grams.starts[useful].astype(np.int64), counts)
    q_length = np.repeat((grams.ends - grams.starts)[useful].astype(np.int64), counts)
    same_length = postings.len_of[shared] == q_length
    shared, q_start, q_length = shared[same_length], q_start[same_length], q_length[same_length]

    padded_query = np.concatenate(
        (np.full(WINDOW, QUERY_PAD, np.uint32), codes, np.full(WINDOW, QUERY_PAD, np.uint32))
    )
    r_global = postings.global_of[shared]
    q_padded = q_start + WINDOW
    ref_of = postings.ref_of[shared]
    r_start = postings.pos_of[shared].astype(np.int64)
    # A glance at a few characters either side drops most common phrases.
    near = np.concatenate((np.arange(-GLANCE, 0), np.arange(GLANCE)))
    after = (near >= 0) * q_length[:, None]
    glance_q = q_padded[:, None] + near + after
    glance_r = r_global[:, None] + near + after
    glance_equal = (padded_query[glance_q] == references[glance_r]).sum(axis=1)
    passed = np.flatnonzero(glance_equal >= screen.glance_min_equal)
    # Seeds on one diagonal a few characters apart say the same thing: keep the one with
    # the best glance per stretch of SEED_SPACING characters, so a whole copied chapter
    # costs a few hundred extensions, not tens of thousands.
    diagonal = r_global[passed] - q_start[passed]
    bucket = q_start[passed] // SEED_SPACING
    order = np.lexsort((-glance_equal[passed], bucket, diagonal))
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = (diagonal[order][1:] != diagonal[order][:-1]) | (
        bucket[order][1:] != bucket[order][:-1]
    )
    keep = passed[order[first]]
    # Seeds that match all around are copies beyond doubt: they go straight to the
    # one-by-one extension, where all but the first of a copied stretch are skipped as
    # covered. The others are extended in bulk within a window first.
    certain = glance_equal[keep] == 2 * GLANCE
    sure = keep[certain]
    zeros = np.zeros(len(sure), dtype=np.int64)
    ones = np.ones(len(sure), dtype=np.int64)
    rows = [
        np.stack(
            (q_start[sure], r_start[sure], q_length[sure],
             zeros, zeros, zeros, zeros, ones, ones, ref_of[sure]),
            axis=1,
        )
    ]  # fmt: skip
    keep = keep[~certain]
    for chunk in np.array_split(keep, max(1, len(keep) // 8192)):
        extensions = window_extensions(
            padded_query,
            references,
            (q_padded[chunk], r_global[chunk], q_length[chunk]),
            WINDOW,
            screen.align,
        )
        long_enough = extensions.left + extensions.right + q_length[chunk] >= (
            screen.min_seed_extent
        )
        chosen = chunk[long_enough]
        rows.append(
            np.stack(
                (
                    q_start[chosen],
                    r_start[chosen],
                    q_length[chosen],
                    extensions.left[long_enough],
                    extensions.right[long_enough],
                    extensions.left_equal[long_enough],
                    extensions.right_equal[long_enough],
                    extensions.left_open[long_enough],
                    extensions.right_open[long_enough],
                    ref_of[chosen],
                ),
                axis=1,
            )
        )
    return np.concatenate(rows)
