"""Local fingerprints: 64-bit hashes of token n-grams, and winnowing over them.

Tokens are single characters in CJK scripts and words elsewhere, so a gram is a
character n-gram in Chinese and a word n-gram in English. Every gram spans tokens whose
weights add up to ``gram_weight`` (a CJK character weighs 1, a word ``word_weight``).

Hashes are polynomial over code points modulo 2**64, computed for all grams at once from
prefix sums (the base is odd, hence invertible), then spread with SplitMix64's finaliser.

Winnowing (Schleimer, Wilkerson and Aiken, 2003) keeps the smallest hash of every window
of ``w`` consecutive grams: any shared run of at least ``w`` grams shares a kept hash.
References are winnowed with window ``w``; queries with a window no larger (any such
window keeps, inside a shared run, every hash the reference kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from swordnet.modalities.text.normalize import NormalisedText, is_cjk

_BASE = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
_BASE_INVERSE = np.uint64(pow(int(_BASE), -1, 2**64))


@dataclass(frozen=True, slots=True)
class Grams:
    hashes: npt.NDArray[np.uint64]
    starts: npt.NDArray[np.int32]  # normalised character where each gram starts
    ends: npt.NDArray[np.int32]


def mix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64's finaliser: spreads polynomial hashes over all 64 bits."""
    z = values.copy()
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


_MAX_KEPT_POWERS = 1 << 22


class _Powers:
    """``base**i`` modulo 2**64 for i < count, grown on demand and kept: every text
    needs them, and recomputing them was a fifth of the hashing time."""

    def __init__(self, base: np.uint64) -> None:
        self.base = base
        self.values = np.ones(1, dtype=np.uint64)

    def first(self, count: int) -> npt.NDArray[np.uint64]:
        if len(self.values) >= count:
            return self.values[:count]
        size = max(count, 2 * len(self.values))
        powers = np.full(size, self.base, dtype=np.uint64)
        powers[0] = 1
        values = np.cumprod(powers, dtype=np.uint64)  # wraps modulo 2**64
        if size <= _MAX_KEPT_POWERS:  # a huge text should not pin its powers for ever
            self.values = values
        return values[:count]


_BASE_POWERS = _Powers(_BASE)
_INVERSE_POWERS = _Powers(_BASE_INVERSE)


def substring_hashes(
    codes: npt.NDArray[np.unsignedinteger[Any]],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
) -> npt.NDArray[np.uint64]:
    """Hashes of ``codes[starts[i]:ends[i]]`` for every i, independent of position."""
    n = len(codes)
    inverse_powers = _INVERSE_POWERS.first(n + 1)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(codes.astype(np.uint64) * inverse_powers[:n], out=prefix[1:])
    base_powers = _BASE_POWERS.first(n + 1)
    raw = (prefix[ends] - prefix[starts]) * base_powers[starts]
    return mix64(raw + (ends - starts).astype(np.uint64))


def token_grams(normalised: NormalisedText, gram_weight: int, word_weight: int) -> Grams:
    """Every gram of the text: its hash and its span in normalised characters."""
    codes = normalised.codes
    token_first = np.flatnonzero(normalised.token_starts())
    empty = Grams(np.empty(0, np.uint64), np.empty(0, np.int32), np.empty(0, np.int32))
    if len(token_first) == 0:
        return empty
    token_last = np.append(token_first[1:], len(codes))
    weights = np.where(is_cjk(codes[token_first]), 1, word_weight).astype(np.int64)
    cumulative = np.concatenate(([0], np.cumsum(weights)))
    # The gram starting at token t ends after the first token where the weight reaches
    # gram_weight; grams running past the end of the text are not formed.
    ends_token = np.searchsorted(cumulative, cumulative[:-1] + gram_weight, side="left")
    complete = ends_token <= len(token_first)
    if not complete.any():
        return empty
    first = np.flatnonzero(complete)
    starts = token_first[first].astype(np.int64)
    ends = token_last[ends_token[first] - 1].astype(np.int64)
    hashes = substring_hashes(codes, starts, ends)
    return Grams(hashes, starts.astype(np.int32), ends.astype(np.int32))


def winnow(grams: Grams, w: int) -> Grams:
    """The grams whose hash is the smallest of some window of ``w`` consecutive grams."""
    hashes = grams.hashes
    if len(hashes) <= w:
        if len(hashes) == 0:
            return grams
        keep = np.array([int(np.argmin(hashes))])
    else:
        windows = sliding_window_view(hashes, w)
        # Rightmost minimum per window, as in the paper, so runs of equal hashes keep one.
        reversed_argmin = np.argmin(windows[:, ::-1], axis=1)
        chosen = np.arange(len(windows)) + (w - 1 - reversed_argmin)
        # Non-decreasing, so repeats are neighbours: no sort needed to drop them.
        distinct = np.ones(len(chosen), dtype=np.bool_)
        distinct[1:] = chosen[1:] != chosen[:-1]
        keep = chosen[distinct]
    return Grams(hashes[keep], grams.starts[keep], grams.ends[keep])
