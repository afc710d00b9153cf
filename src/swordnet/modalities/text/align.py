"""Verification: turn shared grams (seeds) into copied spans, tolerating what pirates do.

From each seed the match is extended in both directions along its diagonal with an
X-drop rule (+1 per equal character, -``mismatch`` per different one, stop once the score
falls ``x_drop`` below its best), so substituted characters do not end a copy but the
start of unrelated text does. Extensions that follow each other in both texts with small
gaps (an injected ad line, a dropped sentence) are chained into one copied span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class AlignParams:
    x_drop: int = 24
    mismatch: int = 3
    max_query_gap: int = 120  # unmatched query characters inside a span: injected ads
    max_reference_gap: int = 40  # unmatched reference characters inside a span
    overlap_tolerance: int = 24
    min_identity: float = 0.55


@dataclass(slots=True)
class Extent:
    """A copied stretch in normalised coordinates, half-open, with its equal characters."""

    q0: int
    q1: int
    r0: int
    r1: int
    matched: int

    @property
    def length(self) -> int:
        return max(self.q1 - self.q0, self.r1 - self.r0)


def extend_length(
    a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32], params: AlignParams
) -> tuple[int, int]:
    """How far ``a`` and ``b`` (read from the seed outwards) keep matching; (length, equal)."""
    n = min(len(a), len(b))
    offset, chunk = 0, 256
    score = best = 0
    best_length = best_equal = 0
    equal_so_far = 0
    while offset < n:
        stop_at = min(n, offset + chunk)
        equal = a[offset:stop_at] == b[offset:stop_at]
        steps = np.where(equal, 1, -params.mismatch).astype(np.int64)
        scores = score + np.cumsum(steps)
        running_best = np.maximum(best, np.maximum.accumulate(scores))
        dropped = np.flatnonzero(running_best - scores > params.x_drop)
        usable = int(dropped[0]) if len(dropped) else len(scores)
        if usable > 0:
            top = int(np.argmax(scores[:usable]))
            if scores[top] > best:
                best = int(scores[top])
                best_length = offset + top + 1
                best_equal = equal_so_far + int(np.count_nonzero(equal[: top + 1]))
        if len(dropped):
            break
        score = int(scores[-1])
        equal_so_far += int(np.count_nonzero(equal))
        offset = stop_at
        chunk *= 4
    return best_length, best_equal


def extend_seed(
    query: npt.NDArray[np.uint32],
    reference: npt.NDArray[np.uint32],
    seed: tuple[int, int, int],
    params: AlignParams,
) -> Extent:
    """Grow an exact seed (query start, reference start, length) both ways."""
    q0, r0, length = seed
    q1, r1 = q0 + length, r0 + length
    right, right_equal = extend_length(query[q1:], reference[r1:], params)
    left, left_equal = extend_length(query[:q0][::-1], reference[:r0][::-1], params)
    return Extent(q0 - left, q1 + right, r0 - left, r1 + right, length + left_equal + right_equal)


def align_seeds(
    query: npt.NDArray[np.uint32],
    reference: npt.NDArray[np.uint32],
    seeds: npt.NDArray[np.int64],
    params: AlignParams,
) -> list[Extent]:
    """Extents grown from seeds (rows of query start, reference start, length), chained."""
    extents: list[Extent] = []
    covered_until: dict[int, int] = {}  # diagonal -> query end of the last extent on it
    for q0, r0, length in seeds.tolist():
        diagonal = r0 - q0
        if covered_until.get(diagonal, -1) >= q0 + length:
            continue
        if not np.array_equal(query[q0 : q0 + length], reference[r0 : r0 + length]):
            continue  # hash collision
        extent = extend_seed(query, reference, (q0, r0, length), params)
        covered_until[diagonal] = max(covered_until.get(diagonal, -1), extent.q1)
        extents.append(extent)
    return _drop_shadowed(chain_extents(extents, params))


def chain_extents(extents: list[Extent], params: AlignParams) -> list[Extent]:
    """Join extents that follow each other in both texts, allowing small gaps."""
    chains: list[Extent] = []
    tolerance = params.overlap_tolerance
    for extent in sorted(extents, key=lambda e: (e.q0, e.r0)):
        best: Extent | None = None
        best_gap = 0
        for chain in chains:
            query_gap = extent.q0 - chain.q1
            reference_gap = extent.r0 - chain.r1
            if not (
                -tolerance <= query_gap <= params.max_query_gap
                and -tolerance <= reference_gap <= params.max_reference_gap
                and extent.q1 > chain.q1
                and extent.r1 > chain.r1
            ):
                continue
            gap = abs(query_gap) + abs(reference_gap)
            if best is None or gap < best_gap:
                best, best_gap = chain, gap
        if best is None:
            chains.append(Extent(extent.q0, extent.q1, extent.r0, extent.r1, extent.matched))
            continue
        overlap = max(0, best.q1 - extent.q0)
        best.matched += max(0, extent.matched - overlap)
        best.q1, best.r1 = extent.q1, extent.r1
    return chains


def _drop_shadowed(chains: list[Extent]) -> list[Extent]:
    """Keep the longest of chains that cover mostly the same query characters.

    Repeated passages inside a reference (refrains, license notices) align to several
    places; one is enough evidence and a notice must not count the copy twice.
    """
    kept: list[Extent] = []
    for chain in sorted(chains, key=lambda c: c.matched, reverse=True):
        shadowed = any(
            min(chain.q1, other.q1) - max(chain.q0, other.q0) > 0.5 * (chain.q1 - chain.q0)
            for other in kept
        )
        if not shadowed:
            kept.append(chain)
    return sorted(kept, key=lambda c: c.q0)
