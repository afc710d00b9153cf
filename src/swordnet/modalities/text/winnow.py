"""Winnowing (Schleimer, Wilkerson and Aiken, 2003) over character k-grams, in numpy.

Every k-gram of the normalised text is hashed to 64 bits; in each window of ``w``
consecutive hashes the smallest is kept. Any shared run of at least ``w + k - 1``
characters is then guaranteed to share at least one kept hash, whatever surrounds it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

_BASE = np.uint64(1_000_003)


def _mix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64's finaliser: spreads polynomial hashes over all 64 bits."""
    z = values.copy()
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def kgram_hashes(text: str, k: int) -> npt.NDArray[np.uint64]:
    """64-bit hashes of every k-gram; empty when the text is shorter than k."""
    if len(text) < k:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - k + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            hashes = hashes * _BASE + codes[j : j + count]
    return _mix64(hashes)


def winnow(text: str, k: int, w: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int32]]:
    """Kept hashes and the positions of their k-grams, in text order."""
    hashes = kgram_hashes(text, k)
    if len(hashes) == 0:
        return hashes, np.empty(0, dtype=np.int32)
    if len(hashes) <= w:
        position = int(np.argmin(hashes))
        return hashes[position : position + 1], np.array([position], dtype=np.int32)
    windows = sliding_window_view(hashes, w)
    # Rightmost minimum per window, as in the paper, so runs of equal hashes keep one.
    reversed_argmin = np.argmin(windows[:, ::-1], axis=1)
    positions = np.arange(len(windows)) + (w - 1 - reversed_argmin)
    positions = np.unique(positions).astype(np.int32)
    return hashes[positions], positions
