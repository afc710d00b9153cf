"""Copy-detection metrics as in the DISC21 benchmark, plus recall at an operating point.

Every method hands in predictions ``(query number, reference name, score)``. A prediction
is correct when the query was made from that reference. The micro-average precision
(muAP) ranks all predictions of all queries together by score; queries made from
distractors have no correct answer, so any prediction for them only costs precision.
The operating threshold is the lowest score that keeps precision >= 0.99 over all
predictions and leaves every distractor copy unmatched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prediction:
    query: int
    reference: str
    score: float


@dataclass(frozen=True, slots=True)
class QueryTruth:
    transform: str
    reference: str | None  # None for a distractor's copy


@dataclass(frozen=True, slots=True)
class Report:
    muap: float
    threshold: float | None
    precision: float
    recall_by_transform: dict[str, float]
    false_matches: int  # wrong predictions at the threshold
    distractor_false_matches: int  # of which made for distractor copies

    @property
    def overall_recall(self) -> float:
        values = list(self.recall_by_transform.values())
        return sum(values) / len(values) if values else 0.0


def evaluate(
    predictions: list[Prediction], truths: list[QueryTruth], min_precision: float = 0.99
) -> Report:
    positives = sum(1 for truth in truths if truth.reference is not None)
    ranked = sorted(predictions, key=lambda p: -p.score)
    correct_flags = [truths[p.query].reference == p.reference for p in ranked]
    muap = _micro_average_precision(correct_flags, positives)
    threshold = _threshold_for_precision(ranked, correct_flags, min_precision)
    # The operating point must also keep every distractor copy unmatched: raise the
    # threshold above the best-scored match made for a distractor, if need be.
    distractor_scores = [p.score for p in ranked if truths[p.query].reference is None]
    if threshold is not None and distractor_scores and max(distractor_scores) >= threshold:
        above = [p.score for p in ranked if p.score > max(distractor_scores)]
        threshold = min(above) if above else None
    return _report_at(ranked, correct_flags, truths, threshold, muap)


def report_at_threshold(
    predictions: list[Prediction], truths: list[QueryTruth], threshold: float
) -> Report:
    positives = sum(1 for truth in truths if truth.reference is not None)
    ranked = sorted(predictions, key=lambda p: -p.score)
    correct_flags = [truths[p.query].reference == p.reference for p in ranked]
    return _report_at(
        ranked, correct_flags, truths, threshold, _micro_average_precision(correct_flags, positives)
    )


def _micro_average_precision(correct_flags: list[bool], positives: int) -> float:
    if positives == 0:
        return 0.0
    found = 0
    total = 0.0
    for rank, correct in enumerate(correct_flags, start=1):
        if correct:
            found += 1
            total += found / rank
    return total / positives


def _threshold_for_precision(
    ranked: list[Prediction], correct_flags: list[bool], min_precision: float
) -> float | None:
    """The lowest score at which predictions at or above it still meet ``min_precision``."""
    best: float | None = None
    found = 0
    for position, (prediction, correct) in enumerate(zip(ranked, correct_flags, strict=True)):
        found += correct
        next_score = ranked[position + 1].score if position + 1 < len(ranked) else None
        if next_score == prediction.score:
            continue  # a threshold cannot split equal scores
        if found / (position + 1) >= min_precision:
            best = prediction.score
    return best


def _report_at(
    ranked: list[Prediction],
    correct_flags: list[bool],
    truths: list[QueryTruth],
    threshold: float | None,
    muap: float,
) -> Report:
    found_by_transform: dict[str, set[int]] = defaultdict(set)
    positives_by_transform: dict[str, int] = defaultdict(int)
    for truth in truths:
        if truth.reference is not None:
            positives_by_transform[truth.transform] += 1
    kept = correct = wrong = distractor_wrong = 0
    for prediction, is_correct in zip(ranked, correct_flags, strict=True):
        if threshold is None or prediction.score < threshold:
            break
        kept += 1
        if is_correct:
            correct += 1
            found_by_transform[truths[prediction.query].transform].add(prediction.query)
        else:
            wrong += 1
            distractor_wrong += truths[prediction.query].reference is None
    recall = {
        name: len(found_by_transform[name]) / count
        for name, count in positives_by_transform.items()
    }
    return Report(
        muap=muap,
        threshold=threshold,
        precision=correct / kept if kept else 1.0,
        recall_by_transform=recall,
        false_matches=wrong,
        distractor_false_matches=distractor_wrong,
    )
