"""Scale check of the global tier: generated PDQ hashes, query latency and bytes per entry.

Random 256-bit codes stand in for a large catalogue; near duplicates of some of them
(bits flipped at PDQ distances up to 31) are the queries, each with its eight "dihedral"
variants as the real query sends. Reported for the exact flat index and for the inverted
lists the index switches to above its flat limit.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from swordnet.modalities.image.binary_index import BinaryCodeIndex, BinaryIndexParams
from swordnet.modalities.image.global_index import GlobalIndex, GlobalParams


@dataclass(frozen=True, slots=True)
class ScaleResult:
    layout: str
    entries: int
    build_s: float
    median_ms: float
    p95_ms: float
    bytes_per_entry: float
    recall_at_31: float


def run_scale_check(entries: int, queries: int = 100, seed: int = 0) -> list[ScaleResult]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, size=(entries, 32), dtype=np.uint8)
    ids = np.arange(entries, dtype=np.int64)
    targets = rng.choice(entries, size=queries, replace=False)
    probes = []
    for target in targets:
        variants = rng.integers(0, 256, size=(8, 32), dtype=np.uint8)
        near = np.unpackbits(codes[target]).copy()
        flipped = rng.choice(256, size=int(rng.integers(0, 32)), replace=False)
        near[flipped] ^= 1
        variants[int(rng.integers(0, 8))] = np.packbits(near)
        probes.append(variants)
    results = []
    for layout, flat_limit in (("flat (exact)", entries + 1), ("inverted lists", 0)):
        defaults = GlobalParams().codes
        params = GlobalParams(
            codes=BinaryIndexParams(flat_limit=flat_limit, nprobe=defaults.nprobe)
        )
        index = GlobalIndex(params)
        started = time.perf_counter()
        index.codes = BinaryCodeIndex(params.codes)
        index.codes.add(codes, ids)
        build_s = time.perf_counter() - started
        latencies = []
        found = 0
        for target, variants in zip(targets, probes, strict=True):
            started = time.perf_counter()
            matches = index.query_hashes(variants)
            latencies.append((time.perf_counter() - started) * 1000)
            found += any(match.ref_id == int(target) for match in matches)
        stored = len(index.codes.serialize())
        results.append(
            ScaleResult(
                layout=layout,
                entries=entries,
                build_s=build_s,
                median_ms=statistics.median(latencies),
                p95_ms=float(np.percentile(latencies, 95)),
                bytes_per_entry=stored / entries,
                recall_at_31=found / queries,
            )
        )
    return results
