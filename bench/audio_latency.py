"""Where an audio query's time goes: CPU per query by condition, and a profile.

    .venv/bin/python bench/audio_latency.py /work/corpus --cache /tmp/swordnet-latency

Builds the index of ``bench/audio.py`` (the same references, padded to 10 h with
time-reversed ones) and a set of degraded excerpts once, keeps both in ``--cache``, then
fingerprints and matches every excerpt, timing each on the CPU clock. Prints the median per
condition and overall (the benchmark's latency figure is the median over every condition),
then, with ``--profile``, the functions that took the most time. The accuracy of these
queries is printed too, so that a faster variant that loses matches shows it at once.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import cProfile
import pstats
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _audio_baselines import BENCH_RATE
from _audio_conditions import CONDITIONS
from audio import Track, choose_tracks, cpu_seconds, parse_args
from swordnet.modalities.audio import AudioIndex, AudioSignal
from swordnet.plugins.signals import Fingerprint


def build_index(signal: AudioSignal, references: list[Track], pad_hours: float) -> AudioIndex:
    index = signal.new_index()
    seconds = 0.0
    slot = len(references)
    for ref_id, track in enumerate(references):
        pcm = track.pcm()
        index.add(ref_id, signal.fingerprint_pcm(pcm, BENCH_RATE, role="reference"))
        seconds += pcm.size / BENCH_RATE
        if seconds < pad_hours * 3600:
            index.add(slot, signal.fingerprint_pcm(pcm[::-1].copy(), BENCH_RATE, role="reference"))
            seconds += pcm.size / BENCH_RATE
            slot += 1
    return index


def make_queries(
    references: list[Track], negatives: list[Track], count: int, seconds: float, seed: int
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """``count`` excerpts of references and as many of negative tracks under every
    condition: {condition/n: pcm} and {condition/n: reference id, -1 for negatives}."""
    rng = random.Random(seed)
    longest = max(c.time_factor for c in CONDITIONS) * 1.02
    fits = [t.seconds > seconds * longest + 2 for t in [*references, *negatives]]
    pool = [(i, t) for i, t in enumerate(references) if fits[i]]
    others = [(-1, t) for i, t in enumerate(negatives) if fits[len(references) + i]]
    chosen = [rng.choice(pool) for _ in range(count)] + [rng.choice(others) for _ in range(count)]
    queries: dict[str, np.ndarray] = {}
    truth: dict[str, int] = {}
    for number, (ref_id, track) in enumerate(chosen):
        pcm = track.pcm()
        start = int(rng.uniform(0.0, track.seconds - seconds * longest - 1) * BENCH_RATE)
        base = pcm[start : start + int(seconds * longest * BENCH_RATE)]
        for condition in CONDITIONS:
            cut = base[: int(seconds * condition.time_factor * BENCH_RATE)]
            query_rng = np.random.default_rng([seed, number, sum(map(ord, condition.name))])
            key = f"{condition.name}/{number}"
            queries[key] = condition.degrade(cut, BENCH_RATE, query_rng).astype(np.float32)
            truth[key] = ref_id
    return queries, truth


def load_or_build(
    args: argparse.Namespace, signal: AudioSignal
) -> tuple[AudioIndex, dict[str, np.ndarray], dict[str, int]]:
    """The index and the excerpts from ``args.cache``, built there first if missing."""
    bench_args = parse_args([args.corpus])
    references, negatives = choose_tracks(bench_args, random.Random(bench_args.seed))
    args.cache.mkdir(parents=True, exist_ok=True)
    index_file = args.cache / "index.bin"
    query_file = args.cache / f"queries-{args.queries}-{args.seconds:g}.npz"
    if index_file.exists():
        index = AudioIndex.deserialize(index_file.read_bytes())
    else:
        started = time.perf_counter()
        index = build_index(signal, references, 10.0)
        index_file.write_bytes(index.serialize())
        print(f"# index built in {time.perf_counter() - started:.0f} s", flush=True)
    if query_file.exists():
        with np.load(query_file) as stored:
            queries = {key: stored[key] for key in stored.files if key != "_truth"}
            truth = dict(zip(queries, stored["_truth"].tolist(), strict=True))
    else:
        queries, truth = make_queries(references, negatives, args.queries, args.seconds, seed=17)
        np.savez(query_file, **queries, _truth=np.array([truth[k] for k in queries]))
    return index, queries, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("SWORDNET_CORPUS"))
    parser.add_argument("--cache", type=Path, required=True, help="index and excerpts kept here")
    parser.add_argument("--queries", type=int, default=16, help="excerpts per condition")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30, help="profile rows printed")
    args = parser.parse_args(argv)
    if not args.corpus:
        parser.error("give the corpus path or set SWORDNET_CORPUS")
    signal = AudioSignal()
    index, queries, truth = load_or_build(args, signal)
    print(f"# {index.reference_seconds() / 3600:.2f} h indexed, {len(queries)} queries", flush=True)
    index.memory_bytes()  # builds the hash table outside the timing

    def run(key: str) -> tuple[float, bool]:
        """CPU seconds, and whether the answer is right (the reference, or none)."""
        started = cpu_seconds()
        fingerprint: Fingerprint = signal.fingerprint_pcm(queries[key], BENCH_RATE)
        hits = index.query(fingerprint)
        top = hits[0].ref_id if hits else -1
        return cpu_seconds() - started, top == truth[key]

    for key in list(queries)[:5]:  # warm caches, lazy imports and compiled code
        run(key)
    by_condition: dict[str, dict[bool, list[tuple[float, bool]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for key in queries:
        by_condition[key.split("/")[0]][truth[key] >= 0].append(run(key))
    print(f"{'condition':24s}positives: median CPU, right    negatives: median CPU, right")
    for name, kinds in by_condition.items():
        row = f"{name:24s}"
        for found in (kinds[True], kinds[False]):
            cpu = 1000 * float(np.median([s for s, _ in found]))
            row += f"   {cpu:6.1f} ms {sum(ok for _, ok in found):3d}/{len(found):<3d}      "
        print(row.rstrip())
    every = [s for kinds in by_condition.values() for f in kinds.values() for s, _ in f]
    print(f"all: median {1000 * float(np.median(every)):.1f} ms CPU per query")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for key in queries:
            run(key)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
