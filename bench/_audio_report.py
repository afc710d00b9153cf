"""Tallies and the printed report of bench/audio.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# top-1 key, accepted keys, score, base excerpt number
Outcome = tuple[str | None, frozenset[str], float, int]


@dataclass
class Results:
    systems: list[str]
    outcomes: dict[tuple[str, str, float, str], list[Outcome]] = field(
        default_factory=lambda: defaultdict(list)
    )
    add_cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    index_bytes: dict[str, int] = field(default_factory=dict)
    reference_seconds: float = 0.0
    memory_bytes: int = 0
    index_build_cpu: float = 0.0
    file_ingest_cpu: float = 0.0
    file_ingest_seconds: float = 0.0
    latencies: list[tuple[float, float, float, str]] = field(default_factory=list)
    calibrating: bool = False  # ours is then judged like a baseline, on its evidence
    # (base excerpt, reference) pairs an independent witness found sharing audio
    # (_audio_adjudicate.py): that reference counts as related to that excerpt.
    shared: dict[tuple[int, str], float] = field(default_factory=dict)
    # calibration: (evidence, pass, condition, reference, base excerpt) of negatives' hits
    calibration_negatives: list[tuple[float, str, str, str, int]] = field(default_factory=list)

    def record(
        self,
        system: str,
        condition: Any,
        duration: float,
        kind: str,
        top: str | None,
        truth: set[str],
        score: float,
        excerpt: int = -1,
    ) -> None:
        key = (system, condition.name, duration, kind)
        self.outcomes[key].append((top, frozenset(truth), score, excerpt))

    def related(self, top: str | None, truth: frozenset[str], excerpt: int) -> bool:
        return top in truth or (excerpt, str(top)) in self.shared

    def adjudicate(self, coherence: Callable[[int, str], float], bar: float) -> None:
        """Ask the independent witness about every answer that would count as an error.

        Only answers that can matter are asked: every accepted answer of ours, and a
        baseline's negatives from its highest score down to the first that shares nothing
        (that one sets its threshold), then its accepted wrong answers on positives.
        """
        for system in self.systems:
            judged_like_baseline = system != "ours" or self.calibrating
            rows = sorted(
                (
                    (score, kind, top, excerpt)
                    for (sys_, _, _, kind), entries in self.outcomes.items()
                    if sys_ == system
                    for top, truth, score, excerpt in entries
                    if top is not None and top not in truth
                ),
                reverse=True,
            )
            for _, kind, top, excerpt in rows:
                if kind != "neg":
                    continue
                found = coherence(excerpt, top)
                if found >= bar:
                    self.shared[(excerpt, top)] = found
                elif judged_like_baseline:
                    break
            limit = self.threshold(system)
            for score, kind, top, excerpt in rows:
                if kind == "pos" and score > limit and (found := coherence(excerpt, top)) >= bar:
                    self.shared[(excerpt, top)] = found

    def record_latency(self, duration: float, cpu: float, wall: float, condition: str) -> None:
        self.latencies.append((duration, cpu, wall, condition))

    def threshold(self, system: str) -> float:
        """Ours decides by itself (a hit is a match); a baseline gets its zero-FP threshold."""
        if system == "ours" and not self.calibrating:
            return 0.0
        scores = [
            s
            for (sys_, _, _, kind), rows in self.outcomes.items()
            if sys_ == system and kind == "neg"
            for top, truth, s, excerpt in rows
            if not self.related(top, truth, excerpt)
        ]
        return max(scores, default=0.0)

    def accuracy(self, system: str, condition: str, duration: float) -> float:
        rows = self.outcomes.get((system, condition, duration, "pos"), [])
        limit = self.threshold(system)
        good = sum(
            1
            for top, truth, score, excerpt in rows
            if self.related(top, truth, excerpt) and score > limit
        )
        return good / len(rows) if rows else float("nan")

    def false_positives(self, system: str) -> tuple[int, int, int, int]:
        """(accepted negatives, negative queries, accepted wrong top-1 on positives,
        accepted answers of either kind that the adjudication found sharing a recording)."""
        limit = self.threshold(system)
        negatives = accepted = wrong = shared = 0
        for (sys_, _, _, kind), rows in self.outcomes.items():
            if sys_ != system:
                continue
            for top, truth, score, excerpt in rows:
                unrelated = not self.related(top, truth, excerpt)
                shared += score > limit and top not in truth and not unrelated
                if kind == "neg":
                    negatives += 1
                    accepted += score > limit and unrelated
                elif score > limit and top is not None and unrelated:
                    wrong += 1
        return accepted, negatives, wrong, shared


def _ratio(ours: float, theirs: float) -> str:
    if theirs == 0:
        return "  inf" if ours > 0 else "    -"
    return f"{ours / theirs:5.2f}"


def print_report(
    results: Results,
    conditions: list[Any],
    durations: list[float],
    targets: dict[tuple[str, int], float],
) -> None:
    systems = results.systems
    baselines = systems[1:]
    print("\n## Top-1 accuracy (baselines at their zero-false-positive threshold)")
    width = max(16, *(len(c.name) for c in conditions))
    header = f"{'condition':{width}} {'len':>4} " + " ".join(f"{s:>11}" for s in systems)
    header += "".join(f"  ours/{b[:6]:6}" for b in baselines)
    print(header)
    for duration in durations:
        for condition in conditions:
            values = [results.accuracy(s, condition.name, duration) for s in systems]
            line = f"{condition.name:{width}} {duration:4.0f} "
            line += " ".join(f"{v:11.3f}" for v in values)
            line += "".join(f"  {_ratio(values[0], v):>12}" for v in values[1:])
            print(line)
    print("\n## Targets (issue #5)")
    for (group, length), target in sorted(targets.items()):
        if float(length) not in durations:
            continue
        members = [c.name for c in conditions if c.group == group]
        if not members:
            continue
        worst = min(members, key=lambda name: results.accuracy("ours", name, float(length)))
        value = results.accuracy("ours", worst, float(length))
        verdict = "met" if value >= target else "NOT met"
        print(f"{group:7} {length:3d} s: worst {worst} = {value:.3f} vs >= {target:.2f}: {verdict}")
    print("\n## False positives")
    for system in systems:
        accepted, total, wrong, shared = results.false_positives(system)
        rate = accepted / total if total else float("nan")
        note = (
            "built-in threshold"
            if system == "ours" and not results.calibrating
            else (f"threshold {results.threshold(system):.3f} set on these negatives")
        )
        print(
            f"{system:11} {accepted}/{total} negative queries matched ({rate:.2%}),"
            f" {wrong} wrong top-1 on positives; {note}; {shared} answers on a shared"
            " recording (adjudicated, not counted)"
        )
    if results.calibrating:
        print_calibration(results)
    hours = results.reference_seconds / 3600
    print(f"\n## Cost ({hours:.2f} h of references)")
    for duration in sorted({d for d, *_ in results.latencies}):
        rows = [(cpu, wall, c) for d, cpu, wall, c in results.latencies if d == duration]
        cpu = np.array([r[0] for r in rows]) * 1000
        wall = np.array([r[1] for r in rows]) * 1000
        clean = np.array([r[1] for r in rows if r[2] == "clean"]) * 1000
        print(
            f"ours {duration:.0f} s query: wall median {np.median(wall):.0f} ms, p90"
            f" {np.percentile(wall, 90):.0f} ms, cpu median {np.median(cpu):.0f} ms;"
            f" clean-only wall median {np.median(clean) if clean.size else 0:.0f} ms"
        )
    for system in systems:
        cpu = results.add_cpu.get(system, 0.0)
        if not cpu:
            size = results.index_bytes.get(system, 0) / max(hours, 1e-9) / 1e6
            print(f"{system:11} shares ours' peaks; hash table {size:6.2f} MB per hour")
            continue
        speed = results.reference_seconds / cpu
        size = results.index_bytes.get(system, 0) / max(hours, 1e-9) / 1e6
        print(
            f"{system:11} fingerprint PCM {speed:7.0f}x realtime per core;"
            f" index {size:6.2f} MB per hour"
        )
    if results.file_ingest_seconds:
        speed = results.file_ingest_seconds / max(results.file_ingest_cpu, 1e-9)
        print(
            f"ours        end-to-end file ingest (PyAV decode + fingerprint) {speed:.0f}x"
            f" realtime per core on {results.file_ingest_seconds / 60:.1f} min of files"
        )
    memory = results.memory_bytes / max(hours, 1e-9) / 1e6
    print(
        f"ours        in-memory hash table + peaks {memory:.2f} MB per hour;"
        f" table build {results.index_build_cpu:.2f} s cpu"
    )


def print_calibration(results: Results) -> None:
    """The highest evidences ours reached on calibration negatives, overall and by pass."""
    highest = sorted(
        (
            (score, condition, duration, top)
            for (system, condition, duration, kind), rows in results.outcomes.items()
            if system == "ours" and kind == "neg"
            for top, truth, score, excerpt in rows
            if top is not None and not results.related(top, truth, excerpt)
        ),
        reverse=True,
    )[:3]
    for score, condition, duration, top in highest:
        print(f"ours        negative evidence {score:.2f}: {condition} {duration:.0f} s -> {top}")
    for name in ("plain", "grid"):
        passes = sorted(
            (entry for entry in results.calibration_negatives if entry[1] == name),
            reverse=True,
        )
        passes = [e for e in passes if (e[4], e[3]) not in results.shared][:3]
        listed = ", ".join(f"{e[0]:.2f} ({e[2]} -> {e[3]})" for e in passes)
        print(f"ours        {name} pass, highest negative evidence: {listed or 'none'}")
