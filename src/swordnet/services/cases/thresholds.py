"""A case's figures weighed against the criminal thresholds in force on the date of the
conduct.

The case workflow records figures as ``domain.cases.Figure`` (money with a currency, counts
with a unit); the rule sets read ``domain.thresholds.Figure`` (one unit, the rule set's).
``threshold_figures`` is the adapter between the two: it passes on what the rule set can
read and sets aside, with the reason, what it cannot (a figure the rule set does not name,
an amount in another currency, a count in another unit), so that nothing is converted or
dropped silently.

The date of the conduct is the earliest detection the case gathers (the first day the
copy was seen), else its earliest capture, else the day the case was opened; the caller
may name another date or a rule set instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain import thresholds as rules
from swordnet.domain.cases import Figure as CaseFigure
from swordnet.services.cases.views import current_figures
from swordnet.services.thresholds import (
    ThresholdReport,
    evaluate_figures,
    get_rule_set,
    list_rule_sets,
)
from swordnet.storage import models

# how the date of the conduct was chosen (the page and the package say which)
DATE_EARLIEST_DETECTION = "earliest_detection"
DATE_EARLIEST_CAPTURE = "earliest_capture"
DATE_CASE_OPENED = "case_opened"
DATE_GIVEN = "given"


@dataclass(frozen=True, slots=True)
class SetAside:
    """A case figure the rule set cannot read, and why."""

    name: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class CaseEvaluation:
    case_id: int
    conduct_date: date
    date_basis: str  # one of the DATE_* above
    figures: tuple[CaseFigure, ...]  # the case's figures in force
    report: ThresholdReport | None  # None: no rule set could be chosen (``problem`` says why)
    set_aside: tuple[SetAside, ...] = ()
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "conduct_date": self.conduct_date.isoformat(),
            "conduct_date_basis": self.date_basis,
            "figures": [
                {
                    "name": f.name,
                    "value": str(f.value),
                    "unit": f.unit,
                    "currency": f.currency,
                    "source": f.source,
                }
                for f in self.figures
            ],
            "set_aside": [
                {"name": s.name, "reason_zh": s.reason_zh, "reason_en": s.reason_en}
                for s in self.set_aside
            ],
            "problem": self.problem,
            "evaluation": self.report.as_dict() if self.report else None,
        }


@dataclass
class _Adapted:
    figures: list[rules.Figure] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)


def threshold_figures(rule_set: rules.RuleSet, figures: Iterable[CaseFigure]) -> _Adapted:
    """The case's figures as ``rule_set`` reads them. An amount is read in its currency,
    which must be the rule set's; a count in its unit, which must be the rule set's (a
    case's default units are the rule sets' names: works, clicks, members...)."""
    adapted = _Adapted()
    for figure in figures:
        spec = rule_set.figures.get(figure.name)
        if spec is None:
            adapted.set_aside.append(
                SetAside(
                    figure.name,
                    f"规则集 {rule_set.id} 不读取该数据",
                    f"rule set {rule_set.id} does not read it",
                )
            )
            continue
        if spec.kind is rules.FigureKind.FACT:
            adapted.set_aside.append(
                SetAside(figure.name, "该项为事实（是/否），不是数额", "it is a fact, not a number")
            )
            continue
        given = (
            figure.currency if spec.kind is rules.FigureKind.AMOUNT else figure.unit
        ) or spec.unit
        if given != spec.unit:
            adapted.set_aside.append(
                SetAside(
                    figure.name,
                    f"以 {given} 计，规则集以 {spec.unit} 计：请先换算并在来源中说明",
                    f"given in {given}, but the rule set counts it in {spec.unit}: "
                    "convert it first and say how in its source",
                )
            )
            continue
        adapted.figures.append(rules.Figure(figure.name, figure.value, spec.unit, figure.source))
    return adapted


def conduct_date_of(session: Session, case: models.Case) -> tuple[date, str]:
    """The date of the conduct, and how it was chosen."""
    detected = session.scalar(
        select(func.min(models.Detection.detected_at))
        .select_from(models.Detection)
        .join(models.case_detection, models.case_detection.c.detection_id == models.Detection.id)
        .where(models.case_detection.c.case_id == case.id)
    )
    if detected is not None:
        return detected.date(), DATE_EARLIEST_DETECTION
    captured = session.scalar(
        select(func.min(models.Capture.fetched_at))
        .select_from(models.Capture)
        .join(models.case_capture, models.case_capture.c.capture_id == models.Capture.id)
        .where(models.case_capture.c.case_id == case.id)
    )
    if captured is not None:
        return captured.date(), DATE_EARLIEST_CAPTURE
    return case.opened_at.date(), DATE_CASE_OPENED


def evaluate_case(
    sessions: sessionmaker[Session],
    session: Session,
    case: models.Case,
    *,
    rule_set: str | None = None,
    on: date | None = None,
    jurisdiction: str = "CN",
    offence: str = "cn-criminal-law-217",
) -> CaseEvaluation:
    """Evaluate ``case``'s figures in force (the caller has opened the case, so may see
    it): against ``rule_set`` when named, else the one in force on ``on`` or on the date
    of the conduct."""
    if on is not None:
        day, basis = on, DATE_GIVEN
    else:
        day, basis = conduct_date_of(session, case)
    figures = tuple(current_figures(session, case.id))
    if rule_set is not None:
        chosen = get_rule_set(sessions, rule_set)  # NotFoundError names the known ones
    else:
        current = list_rule_sets(sessions)
        try:
            picked = rules.select_rule_set(
                (s.rule_set for s in current), jurisdiction=jurisdiction, offence=offence, on=day
            )
        except rules.NoRuleSetInForceError as exc:
            return CaseEvaluation(case.id, day, basis, figures, None, problem=str(exc))
        chosen = next(s for s in current if s.rule_set is picked)
    adapted = threshold_figures(chosen.rule_set, figures)
    report = evaluate_figures(sessions, adapted.figures, rule_set=chosen.ref, conduct_date=day)
    return CaseEvaluation(case.id, day, basis, figures, report, tuple(adapted.set_aside))
