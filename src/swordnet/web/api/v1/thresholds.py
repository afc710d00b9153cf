"""Criminal-threshold rule sets: list them, read one with its limbs and sources, and
evaluate figures against one (named, or the one in force on the date of the conduct).
A case's own evaluation is ``GET /cases/{case_id}/thresholds``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from swordnet.domain import thresholds as rules
from swordnet.domain.errors import NotFoundError
from swordnet.services import thresholds
from swordnet.services.access import NotVisible, Principal
from swordnet.web.deps import requires
from swordnet.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/thresholds", tags=["thresholds"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(requires("thresholds.read"))]
RULE_SET_REF = r"^[a-z0-9._-]{1,100}(@[0-9]{1,9})?$"


class RuleSetSummary(BaseModel):
    id: str
    version: int
    ref: str
    origin: str  # shipped or stored
    jurisdiction: str
    offence: str
    offence_zh: str
    offence_en: str
    title_zh: str
    title_en: str
    document_number: str
    legal_basis: str
    effective_from: date
    effective_to: date | None
    superseded_by: str
    fully_verified: bool
    sha256: str


class FigureSpecPublic(BaseModel):
    name: str
    zh: str
    en: str
    kind: str
    unit: str


class LimbPublic(BaseModel):
    id: str
    item: str
    figure: str
    threshold: Decimal
    requires: list[str]
    provision_zh: str
    provision_en: str
    verified: bool
    note: str


class PartialPublic(BaseModel):
    min_items: int
    fraction: Decimal
    items: list[str]
    provision_zh: str
    provision_en: str
    verified: bool


class LevelPublic(BaseModel):
    id: str
    rank: int
    zh: str
    en: str
    consequence_zh: str
    consequence_en: str
    limbs: list[LimbPublic]
    partial: PartialPublic | None


class SourcePublic(BaseModel):
    title: str
    where: str
    url: str
    official: bool
    note: str


class QuotePublic(BaseModel):
    provision: str
    zh: str
    en: str
    source: int
    verified: bool


class RuleSetPublic(RuleSetSummary):
    issued_by: list[str]
    verification_note: str
    figures: list[FigureSpecPublic]
    levels: list[LevelPublic]
    sources: list[SourcePublic]
    quotes: list[QuotePublic]


class RuleSetList(BaseModel):
    items: list[RuleSetSummary]


class FigureIn(BaseModel):
    name: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    # a count or an amount, or a fact (true or false)
    value: bool | Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=2)]
    unit: str | None = Field(default=None, max_length=32)
    source: str = Field(default="", max_length=2000)


class EvaluateIn(BaseModel):
    figures: list[FigureIn] = Field(max_length=50)
    rule_set: str | None = Field(default=None, pattern=RULE_SET_REF)
    conduct_date: date | None = None
    jurisdiction: str = Field(default="CN", min_length=1, max_length=32)
    offence: str = Field(default="cn-criminal-law-217", min_length=1, max_length=100)


class LimbResultPublic(BaseModel):
    limb: str
    item: str
    figure: str
    status: str  # met, partial (at the fraction), below, missing
    value: Decimal | None
    threshold: Decimal
    verified: bool
    missing: list[str]


class LevelResultPublic(BaseModel):
    level: str
    zh: str
    en: str
    reached: bool | None  # None: undecided, a missing figure could reach it
    by_partial_rule: bool
    items_at_fraction: list[str]
    deciding_figures: list[str]
    limbs: list[LimbResultPublic]


class EvaluationPublic(BaseModel):
    rule_set: str
    version: int
    conduct_date: date | None
    reached: str | None
    reached_by_partial_rule: bool
    relies_on_unverified_thresholds: bool
    levels: list[LevelResultPublic]
    later_rule_sets: list[str]
    unused_figures: list[str]
    explanation_zh: list[str]
    explanation_en: list[str]


def summary(stored: thresholds.StoredRuleSet) -> RuleSetSummary:
    rs = stored.rule_set
    return RuleSetSummary(
        id=rs.id,
        version=stored.version,
        ref=stored.ref,
        origin=stored.origin,
        jurisdiction=rs.jurisdiction,
        offence=rs.offence,
        offence_zh=rs.offence_zh,
        offence_en=rs.offence_en,
        title_zh=rs.title_zh,
        title_en=rs.title_en,
        document_number=rs.document_number,
        legal_basis=rs.legal_basis,
        effective_from=rs.effective_from,
        effective_to=rs.effective_to,
        superseded_by=rs.superseded_by,
        fully_verified=rs.fully_verified,
        sha256=stored.sha256,
    )


def _level(level: rules.Level) -> LevelPublic:
    partial = level.partial
    return LevelPublic(
        id=level.id,
        rank=level.rank,
        zh=level.zh,
        en=level.en,
        consequence_zh=level.consequence_zh,
        consequence_en=level.consequence_en,
        limbs=[
            LimbPublic(
                id=limb.id,
                item=limb.item,
                figure=limb.figure,
                threshold=limb.threshold,
                requires=list(limb.requires),
                provision_zh=limb.provision_zh,
                provision_en=limb.provision_en,
                verified=limb.verified,
                note=limb.note,
            )
            for limb in level.limbs
        ],
        partial=PartialPublic(
            min_items=partial.min_items,
            fraction=partial.fraction,
            items=list(partial.items),
            provision_zh=partial.provision_zh,
            provision_en=partial.provision_en,
            verified=partial.verified,
        )
        if partial is not None
        else None,
    )


def detail(stored: thresholds.StoredRuleSet) -> RuleSetPublic:
    rs = stored.rule_set
    return RuleSetPublic(
        **summary(stored).model_dump(),
        issued_by=list(rs.issued_by),
        verification_note=rs.verification_note,
        figures=[
            FigureSpecPublic(name=f.name, zh=f.zh, en=f.en, kind=f.kind.value, unit=f.unit)
            for f in rs.figures.values()
        ],
        levels=[_level(level) for level in rs.levels],
        sources=[
            SourcePublic(title=s.title, where=s.where, url=s.url, official=s.official, note=s.note)
            for s in rs.sources
        ],
        quotes=[
            QuotePublic(
                provision=q.provision, zh=q.zh, en=q.en, source=q.source, verified=q.verified
            )
            for q in rs.quotes
        ],
    )


def evaluation_public(report: thresholds.ThresholdReport) -> EvaluationPublic:
    e = report.evaluation
    reached = e.reached
    return EvaluationPublic(
        rule_set=e.rule_set.id,
        version=report.version,
        conduct_date=e.conduct_date,
        reached=reached.level.id if reached else None,
        reached_by_partial_rule=bool(reached and reached.by_partial),
        relies_on_unverified_thresholds=e.unverified,
        levels=[
            LevelResultPublic(
                level=r.level.id,
                zh=r.level.zh,
                en=r.level.en,
                reached=r.reached,
                by_partial_rule=r.by_partial,
                items_at_fraction=list(r.partial_items),
                deciding_figures=list(r.deciding_figures),
                limbs=[
                    LimbResultPublic(
                        limb=x.limb.id,
                        item=x.limb.item,
                        figure=x.limb.figure,
                        status=x.status.value,
                        value=x.value,
                        threshold=x.limb.threshold,
                        verified=x.limb.verified,
                        missing=list(x.missing),
                    )
                    for x in r.limbs
                ],
            )
            for r in e.levels
        ],
        later_rule_sets=[rs.id for rs in e.later],
        unused_figures=list(e.unused_figures),
        explanation_zh=list(report.lines_zh),
        explanation_en=list(report.lines_en),
    )


@router.get("", response_model=RuleSetList, summary="The rule sets: shipped, then stored")
def list_rule_sets(request: Request, principal: Reader) -> RuleSetList:
    stored = thresholds.list_rule_sets(request.app.state.container.sessions)
    return RuleSetList(items=[summary(s) for s in stored])


@router.get(
    "/{rule_set}",
    response_model=RuleSetPublic,
    summary="One rule set (ID, or ID@VERSION) with its figures, limbs, sources and quotes",
)
def get_rule_set(request: Request, principal: Reader, rule_set: str) -> RuleSetPublic:
    try:
        stored = thresholds.get_rule_set(request.app.state.container.sessions, rule_set)
    except NotFoundError as exc:
        raise NotVisible(str(exc)) from None
    return detail(stored)


@router.post(
    "/evaluate",
    response_model=EvaluationPublic,
    summary="Evaluate figures against a rule set, named or in force on the date of the conduct",
)
def evaluate(request: Request, principal: Reader, body: EvaluateIn) -> EvaluationPublic:
    sessions = request.app.state.container.sessions
    if body.rule_set is not None:
        try:
            thresholds.get_rule_set(sessions, body.rule_set)
        except NotFoundError as exc:
            raise NotVisible(str(exc)) from None
    report = thresholds.evaluate_figures(
        sessions,
        [rules.Figure(f.name, f.value, f.unit or "", f.source) for f in body.figures],
        rule_set=body.rule_set,
        conduct_date=body.conduct_date,
        jurisdiction=body.jurisdiction,
        offence=body.offence,
    )
    return evaluation_public(report)
