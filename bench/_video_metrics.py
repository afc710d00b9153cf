"""Scores of the video benchmark: VSC 2022's segment-level micro-average precision, and more.

A prediction or a truth is a box in (query seconds x reference seconds) for one (query,
reference) pair. Following the VSC 2022 matching track, predictions are taken best score
first; after each, precision and recall are measured on both axes over all pairs (micro
average): precision = (covered predicted query length / predicted query length) x (the same
on the reference axis), recall likewise over the true lengths; the average precision is
the sum of precision times each step in recall.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Box:
    query_id: str
    ref: str
    query: Interval
    reference: Interval
    score: float = 1.0
    transform: str = ""


def _union(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _length(intervals: list[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def _overlap(a: list[Interval], b: list[Interval]) -> float:
    total = 0.0
    for a0, a1 in a:
        for b0, b1 in b:
            total += max(0.0, min(a1, b1) - max(a0, b0))
    return total


def segment_micro_ap(predictions: list[Box], truths: list[Box]) -> float:
    truth_by_pair: dict[tuple[str, str], list[Box]] = defaultdict(list)
    for truth in truths:
        truth_by_pair[(truth.query_id, truth.ref)].append(truth)
    true_q = sum(_length(_union([t.query for t in ts])) for ts in truth_by_pair.values())
    true_r = sum(_length(_union([t.reference for t in ts])) for ts in truth_by_pair.values())
    if true_q <= 0 or true_r <= 0:
        return 0.0
    kept: dict[tuple[str, str], list[Box]] = defaultdict(list)
    stats = {"pred_q": 0.0, "pred_r": 0.0, "hit_q": 0.0, "hit_r": 0.0}
    pair_stats: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    average, last_recall = 0.0, 0.0
    for box in sorted(predictions, key=lambda b: -b.score):
        pair = (box.query_id, box.ref)
        kept[pair].append(box)
        pred_q = _union([b.query for b in kept[pair]])
        pred_r = _union([b.reference for b in kept[pair]])
        gold = truth_by_pair.get(pair, [])
        new = (
            _length(pred_q),
            _length(pred_r),
            _overlap(pred_q, _union([t.query for t in gold])),
            _overlap(pred_r, _union([t.reference for t in gold])),
        )
        old = pair_stats.get(pair, (0.0, 0.0, 0.0, 0.0))
        for key, before, after in zip(stats, old, new, strict=True):
            stats[key] += after - before
        pair_stats[pair] = new
        precision = (stats["hit_q"] / max(stats["pred_q"], 1e-9)) * (
            stats["hit_r"] / max(stats["pred_r"], 1e-9)
        )
        recall = (stats["hit_q"] / true_q) * (stats["hit_r"] / true_r)
        average += max(0.0, recall - last_recall) * precision
        last_recall = max(last_recall, recall)
    return average


@dataclass(frozen=True, slots=True)
class Localisation:
    found: dict[str, list[bool]]  # per transform
    errors: list[float]  # |start error| and |end error| on the query axis, per found truth
    ref_errors: list[float]


def localise(predictions: list[Box], truths: list[Box]) -> Localisation:
    by_pair: dict[tuple[str, str], list[Box]] = defaultdict(list)
    for box in predictions:
        by_pair[(box.query_id, box.ref)].append(box)
    found: dict[str, list[bool]] = defaultdict(list)
    errors: list[float] = []
    ref_errors: list[float] = []
    for truth in truths:
        best: Box | None = None
        best_overlap = 0.0
        for box in by_pair.get((truth.query_id, truth.ref), []):
            q = _overlap([box.query], [truth.query])
            r = _overlap([box.reference], [truth.reference])
            if q > 0 and r > 0 and q > best_overlap:
                best, best_overlap = box, q
        found[truth.transform].append(best is not None)
        if best is not None:
            errors += [abs(best.query[0] - truth.query[0]), abs(best.query[1] - truth.query[1])]
            ref_errors += [
                abs(best.reference[0] - truth.reference[0]),
                abs(best.reference[1] - truth.reference[1]),
            ]
    return Localisation(dict(found), errors, ref_errors)
