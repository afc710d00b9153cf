"""Verification: turn shared grams (seeds) into copied spans, tolerating what pirates do.

From each seed the match is extended in both directions along its diagonal with an
X-drop rule (+1 per equal character, -``mismatch`` per different one, stop once the score
falls ``x_drop`` below its best), so substituted characters do not end a copy but the
start of unrelated text does. Extensions that follow each other in both texts with small
gaps (an injected ad line, a dropped sentence) are chained into one copied span.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class AlignParams:
    x_drop: int = 24
    mismatch: int = 3
    max_query_gap: int = 120  # unmatched query characters inside a span: injected ads
    max_reference_gap: int = 40  # unmatched reference characters inside a span
    overlap_tolerance: int = 24
    min_identity: float = 0.7


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


_PYTHON_STEPS = 48  # most extensions end within a few dozen characters: no numpy for those


@dataclass(slots=True)
class _Walk:
    """State of an X-drop walk: current and best score, where the best was, equal counts."""

    score: int = 0
    best: int = 0
    best_length: int = 0
    best_equal: int = 0
    equal: int = 0


def _walk_strings(a: str, b: str, walk: _Walk, params: AlignParams) -> bool:
    """Walk two short strings; True when the X-drop rule stopped the walk."""
    if a == b:  # the usual case inside a copy, decided at C speed
        walk.score += len(a)
        walk.equal += len(a)
        walk.best, walk.best_length, walk.best_equal = walk.score, len(a), walk.equal
        return False
    for step, (x, y) in enumerate(zip(a, b, strict=False)):
        if x == y:
            walk.score += 1
            walk.equal += 1
            if walk.score > walk.best:
                walk.best, walk.best_length, walk.best_equal = walk.score, step + 1, walk.equal
        else:
            walk.score -= params.mismatch
            if walk.best - walk.score > params.x_drop:
                return True
    return False


def _walk_arrays(
    a: npt.NDArray[np.unsignedinteger[Any]],
    b: npt.NDArray[np.unsignedinteger[Any]],
    walk: _Walk,
    params: AlignParams,
) -> None:
    """Continue a walk over arrays read from the seed outwards, starting at ``_PYTHON_STEPS``."""
    n = min(len(a), len(b))
    offset, chunk = _PYTHON_STEPS, 512
    while offset < n:
        stop_at = min(n, offset + chunk)
        equal = a[offset:stop_at] == b[offset:stop_at]
        if walk.score == walk.best and equal.all():  # an exact stretch: every step is a best
            walk.score += stop_at - offset
            walk.equal += stop_at - offset
            walk.best, walk.best_length, walk.best_equal = walk.score, stop_at, walk.equal
            offset = stop_at
            chunk *= 4
            continue
        steps = np.where(equal, 1, -params.mismatch).astype(np.int64)
        scores = walk.score + np.cumsum(steps)
        running_best = np.maximum(walk.best, np.maximum.accumulate(scores))
        dropped = np.flatnonzero(running_best - scores > params.x_drop)
        usable = int(dropped[0]) if len(dropped) else len(scores)
        if usable > 0:
            top = int(np.argmax(scores[:usable]))
            if scores[top] > walk.best:
                walk.best = int(scores[top])
                walk.best_length = offset + top + 1
                walk.best_equal = walk.equal + int(np.count_nonzero(equal[: top + 1]))
        if len(dropped):
            return
        walk.score = int(scores[-1])
        walk.equal += int(np.count_nonzero(equal))
        offset = stop_at
        chunk *= 4


@dataclass(frozen=True, slots=True)
class Texts:
    """Query and reference as code arrays (fast to compare at length), and the query as
    a string; short stretches of the reference are decoded when needed (Python compares
    a few dozen characters of strings faster than numpy sets up one comparison)."""

    query: str
    query_codes: npt.NDArray[np.uint32]
    reference_codes: npt.NDArray[np.unsignedinteger[Any]]  # 16 or 32 bits

    def reference(self, start: int, end: int) -> str:
        piece = self.reference_codes[max(0, start) : end].astype(np.uint32)
        return piece.tobytes().decode("utf-32-le")


def extend(texts: Texts, q: int, r: int, forward: bool, params: AlignParams) -> tuple[int, int]:
    """How far the texts keep matching from ``q``/``r`` onwards (or backwards, from the
    characters before them): (length, equal characters)."""
    walk = _Walk()
    steps = _PYTHON_STEPS
    if forward:
        a, b = texts.query[q : q + steps], texts.reference(r, r + steps)
    else:
        a = texts.query[max(0, q - steps) : q][::-1]
        b = texts.reference(r - steps, r)[::-1]
    if _walk_strings(a, b, walk, params) or min(len(a), len(b)) < steps:
        return walk.best_length, walk.best_equal
    if forward:
        _walk_arrays(texts.query_codes[q:], texts.reference_codes[r:], walk, params)
    else:
        _walk_arrays(texts.query_codes[:q][::-1], texts.reference_codes[:r][::-1], walk, params)
    return walk.best_length, walk.best_equal


@dataclass(frozen=True, slots=True)
class WindowExtensions:
    """X-drop extensions of many seeds at once, limited to ``width`` characters a side.

    ``*_open`` marks a side whose match was still going at the window's edge: only those
    seeds (long copies) are extended further, one by one.
    """

    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    left_equal: npt.NDArray[np.int64]
    right_equal: npt.NDArray[np.int64]
    left_open: npt.NDArray[np.bool_]
    right_open: npt.NDArray[np.bool_]


def _window_side(
    equal: npt.NDArray[np.bool_], params: AlignParams
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    steps = np.where(equal, np.int16(1), np.int16(-params.mismatch))
    scores = np.cumsum(steps, axis=1, dtype=np.int16)
    running_best = np.maximum(np.maximum.accumulate(scores, axis=1), 0)
    dropped = (running_best - scores) > params.x_drop
    width = equal.shape[1]
    first_drop = np.where(dropped.any(axis=1), dropped.argmax(axis=1), width)
    usable = np.arange(width)[None, :] < first_drop[:, None]
    masked = np.where(usable, scores, np.int16(-32000))
    best_at = masked.argmax(axis=1)
    best = masked[np.arange(len(best_at)), best_at]
    length = np.where(best > 0, best_at + 1, 0).astype(np.int64)
    equal_counts = np.cumsum(equal, axis=1, dtype=np.int32)
    equal_in = np.where(length > 0, equal_counts[np.arange(len(best_at)), best_at], 0)
    return length, equal_in.astype(np.int64), first_drop == width


def window_extensions(
    padded_query: npt.NDArray[np.uint32],
    padded_references: npt.NDArray[np.unsignedinteger[Any]],
    seeds: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    width: int,
    params: AlignParams,
) -> WindowExtensions:
    """Extend seeds (padded query start, padded reference start, length) within a window.

    Both texts must carry at least ``width`` padding characters that equal nothing.
    """
    q_start, r_start, length = seeds
    steps = np.arange(width, dtype=np.int64)
    after_q = (q_start + length)[:, None] + steps
    after_r = (r_start + length)[:, None] + steps
    right = _window_side(padded_query[after_q] == padded_references[after_r], params)
    before_q = (q_start - 1)[:, None] - steps
    before_r = (r_start - 1)[:, None] - steps
    left = _window_side(padded_query[before_q] == padded_references[before_r], params)
    return WindowExtensions(left[0], right[0], left[1], right[1], left[2], right[2])


def align_seeds(texts: Texts, seeds: npt.NDArray[np.int64], params: AlignParams) -> list[Extent]:
    """Chained extents from seeds.

    Rows: query start, reference start, length, then the window extensions: left,
    right, left equal, right equal, left open, right open.
    """
    extents: list[Extent] = []
    covered_until: dict[int, int] = {}  # diagonal -> query end of the last extent on it
    for row in seeds.tolist():
        q0, r0, length, left, right, left_eq, right_eq, left_open, right_open = row
        diagonal = r0 - q0
        if covered_until.get(diagonal, -1) >= q0 + length:
            continue
        if texts.query[q0 : q0 + length] != texts.reference(r0, r0 + length):
            continue  # hash collision
        q1, r1 = q0 + length, r0 + length
        if right_open:
            right, right_eq = extend(texts, q1, r1, True, params)
        if left_open:
            left, left_eq = extend(texts, q0, r0, False, params)
        extent = Extent(q0 - left, q1 + right, r0 - left, r1 + right, length + left_eq + right_eq)
        covered_until[diagonal] = max(covered_until.get(diagonal, -1), extent.q1)
        extents.append(extent)
    return _drop_shadowed(chain_extents(extents, params))


def chain_extents(extents: list[Extent], params: AlignParams) -> list[Extent]:
    """Join extents that follow each other in both texts, allowing small gaps."""
    chains: list[Extent] = []  # still open: may take the next extent
    finished: list[Extent] = []
    tolerance = params.overlap_tolerance
    for extent in sorted(extents, key=lambda e: (e.q0, e.r0)):
        # Extents come in query order, so a chain that ended too far back stays ended.
        finished.extend(c for c in chains if extent.q0 - c.q1 > params.max_query_gap)
        chains = [c for c in chains if extent.q0 - c.q1 <= params.max_query_gap]
        best: Extent | None = None
        best_gap = 0
        for chain in chains:
            query_gap = extent.q0 - chain.q1
            reference_gap = extent.r0 - chain.r1
            if not (
                -tolerance <= query_gap <= params.max_query_gap
                and -tolerance <= reference_gap
                # either little was dropped from the reference (an ad was inserted), or
                # as much as was replaced in the query (a stretch of swapped characters)
                and (
                    reference_gap <= params.max_reference_gap
                    or abs(reference_gap - query_gap) <= tolerance
                )
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
    return finished + chains


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
