"""Baselines for bench/audio.py: Chromaprint (``fpcalc``) and audfprint2, fed the same PCM.

Each baseline exposes ``add(ref_id, pcm16k)`` and ``best(pcm16k) -> (ref_id, score)``; the
benchmark sets each baseline's threshold at its best score on negatives (zero false positives
by construction, which flatters the baselines, never us).
"""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray
from scipy.signal import resample_poly

BENCH_RATE = 16000
Pcm = NDArray[np.float32]


class ChromaprintBaseline:
    """``fpcalc -raw`` sub-fingerprints; a query slides over every reference (bit errors)."""

    name = "chromaprint"

    def __init__(self) -> None:
        binary = shutil.which("fpcalc")
        if binary is None:
            raise RuntimeError("fpcalc not found: apt-get install libchromaprint-tools")
        self.binary = binary
        self.refs: dict[int, NDArray[np.uint32]] = {}

    def fingerprint(self, pcm: Pcm) -> NDArray[np.uint32]:
        raw = (np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes()
        command = [
            self.binary,
            "-raw",
            "-plain",
            "-length",
            "0",
            "-format",
            "s16le",
            "-rate",
            str(BENCH_RATE),
            "-channels",
            "1",
            "-",
        ]
        result = subprocess.run(command, input=raw, capture_output=True, check=False, timeout=600)
        text = result.stdout.decode().strip()
        if not text:  # fpcalc exits 3 at the end of piped input yet prints the fingerprint
            return np.zeros(0, np.uint32)
        return np.array([int(v) for v in text.split(",")], dtype=np.uint32)

    def add(self, ref_id: int, pcm: Pcm) -> None:
        self.refs[ref_id] = self.fingerprint(pcm)

    def index_bytes(self) -> int:
        return sum(fp.nbytes for fp in self.refs.values())

    def best(self, pcm: Pcm) -> tuple[int | None, float]:
        query = self.fingerprint(pcm)
        if query.size < 4:
            return None, 0.0
        best_id, best_score = None, 0.0
        for ref_id, ref in self.refs.items():
            if ref.size < query.size:
                continue
            windows = np.lib.stride_tricks.sliding_window_view(ref, query.size)
            errors = np.bitwise_count(windows ^ query[None, :]).sum(axis=1)
            score = 1.0 - float(errors.min()) / (32.0 * query.size)
            if score > best_score:
                best_id, best_score = ref_id, score
        return best_id, best_score


class AudfprintBaseline:
    """audfprint2's analyzer, hash table and matcher, on PCM resampled to its 11025 Hz."""

    name = "audfprint2"

    def __init__(self) -> None:
        from audfprint2 import Analyzer, HashTable, Matcher
        from audfprint2.core.analyzer import landmarks2hashes

        self.analyzer = Analyzer(density=20.0)
        self.query_analyzer = Analyzer(density=20.0)
        self.table = HashTable(hashbits=20, depth=100, maxtime=65536)
        self.matcher = Matcher()
        self.matcher.threshcount = 1  # the benchmark sets the threshold on negatives
        self.matcher.max_returns = 1
        self._to_hashes = landmarks2hashes
        self.total_hashes = 0

    def _hashes(self, pcm: Pcm, *, shifts: int) -> NDArray[np.int32]:
        rate = self.analyzer.target_sr
        ratio = Fraction(rate, BENCH_RATE)
        audio = resample_poly(pcm, ratio.numerator, ratio.denominator).astype(np.float64)
        parts = []
        for shift in range(shifts):
            start = int(shift / shifts * self.analyzer.n_hop)
            peaks = self.analyzer.find_peaks(audio[start:], rate)
            parts.append(self._to_hashes(self.analyzer.peaks2landmarks(peaks)))
        hashes = np.concatenate(parts) if parts else np.zeros((0, 2), np.int32)
        return np.unique(hashes, axis=0)

    def add(self, ref_id: int, pcm: Pcm) -> None:
        hashes = self._hashes(pcm, shifts=1)
        self.total_hashes += len(hashes)
        self.table.store(str(ref_id), [(int(t), int(h)) for t, h in hashes])

    def index_bytes(self) -> int:
        return 4 * self.total_hashes  # one 32-bit (id, time) word per stored hash

    def best(self, pcm: Pcm) -> tuple[int | None, float]:
        hashes = self._hashes(pcm, shifts=4)  # audfprint's own advice for queries
        if len(hashes) == 0:
            return None, 0.0
        results = self.matcher.match_hashes(self.table, hashes)
        assert isinstance(results, np.ndarray)
        if results.shape[0] == 0:
            return None, 0.0
        name = self.table.names[int(results[0, 0])]
        return (int(name) if name is not None else None), float(results[0, 1])


def shared_audio_pairs(
    fingerprints: dict[str, NDArray[np.uint32]],
    groups: dict[str, str],
    *,
    chunk: int = 80,
    min_similarity: float = 0.8,
) -> set[frozenset[str]]:
    """Tracks of one package that share audio, by Chromaprint (an independent witness).

    Every 10 s chunk (80 sub-fingerprints) of each track slides over the other tracks of its
    package; a best bit agreement of ``min_similarity`` or more means the same recording
    (unrelated music stays near 0.5-0.65). The corpus marks only some remasters as related;
    without this, a match on shared audio would count as a false positive.
    """
    pairs: set[frozenset[str]] = set()
    keys = sorted(fingerprints)
    for key in keys:
        source = fingerprints[key]
        for other in keys:
            if other <= key or groups[other] != groups[key]:
                continue
            target = fingerprints[other]
            if target.size < chunk or source.size < chunk:
                continue
            windows = np.lib.stride_tricks.sliding_window_view(target, chunk)
            for start in range(0, source.size - chunk + 1, chunk):
                piece = source[start : start + chunk]
                if np.unique(piece).size < chunk // 2:
                    continue  # silence or a held note: agrees with anything quiet
                errors = np.bitwise_count(windows ^ piece[None, :]).sum(axis=1)
                if 1.0 - float(errors.min()) / (32.0 * chunk) >= min_similarity:
                    pairs.add(frozenset((key, other)))
                    break
    return pairs
