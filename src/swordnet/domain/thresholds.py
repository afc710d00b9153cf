"""Criminal thresholds as data: rule sets, their validation, and their evaluation.

A *rule set* is one legal text's thresholds for one offence in one jurisdiction (the 2011
Opinions, art. 13; the 2025 Interpretation, art. 13), in force from one date to another.
It declares the *figures* it reads (illegal business volume, clicks, members...), and
*levels* of severity ("other serious circumstances", then "especially serious"), each
reached when any one of its *limbs* is met (a figure at or above its threshold), or when
its *partial rule* holds ("two or more items each at half or more"). Every number,
word and citation comes from the rule set: this module holds none of them.

Pure: parsing takes a mapping (or TOML text) and evaluation takes figures; no I/O.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from swordnet.domain.errors import SwordNetError

FORMAT_VERSION = 1


class RuleSetInvalidError(SwordNetError):
    """A rule-set document breaks the format; ``problems`` says where, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "the rule set is not valid: "
            + "; ".join(self.problems[:10])
            + (f"; and {len(self.problems) - 10} more" if len(self.problems) > 10 else "")
        )


class FigureInvalidError(SwordNetError):
    """A case figure cannot be read against the rule set (unknown name, wrong unit...)."""


class NoRuleSetInForceError(SwordNetError):
    """No rule set of that jurisdiction and offence was in force on the date asked."""


class FigureKind(StrEnum):
    AMOUNT = "amount"  # money, in the figure's currency
    COUNT = "count"  # works, copies, clicks, members: whole numbers
    FACT = "fact"  # yes or no (a prior penalty within two years)


@dataclass(frozen=True)
class FigureSpec:
    name: str
    zh: str
    en: str
    kind: FigureKind
    unit: str  # "CNY", "works", "clicks"...
    unit_zh: str = ""
    unit_en: str = ""
    symbol: str = ""  # written before an amount: "¥"


@dataclass(frozen=True)
class Limb:
    id: str
    item: str  # the item of the article it belongs to, e.g. "(4)": the partial rule counts items
    figure: str
    threshold: Decimal
    provision_zh: str
    provision_en: str
    verified: bool
    requires: tuple[str, ...] = ()  # fact figures that must be true for the limb to count
    note: str = ""


@dataclass(frozen=True)
class PartialRule:
    """Reached when ``min_items`` distinct items each have a limb at ``fraction`` or more of
    its threshold (2011 Opinions art. 13(5): "分别达到其中两项以上标准一半以上")."""

    min_items: int
    fraction: Decimal
    items: tuple[str, ...]
    provision_zh: str
    provision_en: str
    verified: bool
    note: str = ""


@dataclass(frozen=True)
class Level:
    id: str
    rank: int  # higher is more severe
    zh: str
    en: str
    limbs: tuple[Limb, ...]
    partial: PartialRule | None = None
    consequence_zh: str = ""
    consequence_en: str = ""


@dataclass(frozen=True)
class Source:
    title: str
    where: str
    url: str = ""
    official: bool = False
    note: str = ""


@dataclass(frozen=True)
class Quote:
    provision: str
    zh: str
    en: str
    source: int  # index in ``sources``
    verified: bool


@dataclass(frozen=True)
class RuleSet:
    id: str
    jurisdiction: str
    offence: str
    offence_zh: str
    offence_en: str
    title_zh: str
    title_en: str
    issued_by: tuple[str, ...]
    document_number: str
    legal_basis: str
    effective_from: date
    effective_to: date | None
    figures: Mapping[str, FigureSpec]
    levels: tuple[Level, ...]  # least severe first
    sources: tuple[Source, ...]
    quotes: tuple[Quote, ...]
    superseded_by: str = ""
    verification_note: str = ""

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def fully_verified(self) -> bool:
        return all(limb.verified for level in self.levels for limb in level.limbs) and all(
            level.partial is None or level.partial.verified for level in self.levels
        )


# -- parsing ---------------------------------------------------------------------------------

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


class _Reader:
    """Collects every problem of a document instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}{key}", "is missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(f"{where}{key}", f"must be a non-empty text, got {value!r}")
            return ""
        return value.strip()

    def ident(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where)
        if value and (set(value) - _ID_CHARS or len(value) > 100):
            self.fail(
                f"{where}{key}",
                f"{value!r}: use at most 100 lower-case letters, digits, '-', '_' and '.'",
            )
        return value

    def flag(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key)
        if not isinstance(value, bool):
            self.fail(f"{where}{key}", f"must be true or false, got {value!r}")
            return False
        return value

    def day(self, data: Mapping[str, Any], key: str, where: str, *, required: bool) -> date | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}{key}", "is missing (a date: 2011-01-10)")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(f"{where}{key}", f"must be a date such as 2011-01-10, got {value!r}")
        return None

    def number(self, data: Mapping[str, Any], key: str, where: str) -> Decimal:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(f"{where}{key}", f"must be a number, got {value!r}")
            return Decimal(0)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(f"{where}{key}", f"must be a number, got {value!r}")
            return Decimal(0)
        if not number.is_finite() or number <= 0:
            self.fail(f"{where}{key}", f"must be a number above 0, got {value!r}")
        return number

    def table_list(self, data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.fail(f"{where}{key}", "must be a non-empty list of tables")
            return []
        tables = [v for v in value if isinstance(v, Mapping)]
        if len(tables) != len(value):
            self.fail(f"{where}{key}", "every entry must be a table")
        return tables

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(f"{where}{key}", f"must be a list of texts, got {value!r}")
            return ()
        return tuple(value)


def parse_rule_set(data: Mapping[str, Any]) -> RuleSet:
    """Validate a rule-set document (as read from TOML or JSON) and build the rule set.
    Raises ``RuleSetInvalidError`` naming every problem found."""
    r = _Reader()
    if data.get("format") != FORMAT_VERSION:
        r.fail("format", f"must be {FORMAT_VERSION}, got {data.get('format')!r}")
    figures = _parse_figures(r, data.get("figures"))
    sources = tuple(
        Source(
            title=r.text(s, "title", f"sources[{i}]."),
            where=r.text(s, "where", f"sources[{i}]."),
            url=r.text(s, "url", f"sources[{i}].", required=False),
            official=r.flag(s, "official", f"sources[{i}]."),
            note=r.text(s, "note", f"sources[{i}].", required=False),
        )
        for i, s in enumerate(r.table_list(data, "sources", ""))
    )
    quotes = []
    for i, q in enumerate(data.get("quotes", []) if isinstance(data.get("quotes"), list) else []):
        where = f"quotes[{i}]."
        source = q.get("source") if isinstance(q, Mapping) else None
        if not isinstance(q, Mapping):
            r.fail(f"quotes[{i}]", "must be a table")
            continue
        if (
            not isinstance(source, int)
            or isinstance(source, bool)
            or not 0 <= source < len(sources)
        ):
            r.fail(f"{where}source", f"must be the index of one of the {len(sources)} sources")
            source = 0
        quotes.append(
            Quote(
                provision=r.text(q, "provision", where),
                zh=r.text(q, "zh", where),
                en=r.text(q, "en", where),
                source=source,
                verified=r.flag(q, "verified", where),
            )
        )
    levels = _parse_levels(r, data, figures)
    effective_from = r.day(data, "effective_from", "", required=True)
    effective_to = r.day(data, "effective_to", "", required=False)
    if effective_from and effective_to and effective_to < effective_from:
        r.fail("effective_to", f"{effective_to} is before effective_from {effective_from}")
    rule_set = RuleSet(
        id=r.ident(data, "id", ""),
        jurisdiction=r.text(data, "jurisdiction", ""),
        offence=r.ident(data, "offence", ""),
        offence_zh=r.text(data, "offence_zh", ""),
        offence_en=r.text(data, "offence_en", ""),
        title_zh=r.text(data, "title_zh", ""),
        title_en=r.text(data, "title_en", ""),
        issued_by=r.strings(data, "issued_by", ""),
        document_number=r.text(data, "document_number", "", required=False),
        legal_basis=r.text(data, "legal_basis", ""),
        effective_from=effective_from or date.min,
        effective_to=effective_to,
        figures=figures,
        levels=levels,
        sources=sources,
        quotes=tuple(quotes),
        superseded_by=r.text(data, "superseded_by", "", required=False),
        verification_note=r.text(data, "verification_note", "", required=False),
    )
    if not rule_set.issued_by:
        r.fail("issued_by", "name at least one issuing body")
    if r.problems:
        raise RuleSetInvalidError(r.problems)
    return rule_set


def parse_rule_set_toml(text: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetInvalidError([f"not valid TOML: {exc}"]) from None
    return parse_rule_set(data)


def _parse_figures(r: _Reader, raw: Any) -> dict[str, FigureSpec]:
    if not isinstance(raw, Mapping) or not raw:
        r.fail("figures", "must be a table naming each figure the limbs read")
        return {}
    figures: dict[str, FigureSpec] = {}
    for name, spec in raw.items():
        where = f"figures.{name}."
        if not isinstance(spec, Mapping):
            r.fail(f"figures.{name}", "must be a table")
            continue
        if set(name) - _ID_CHARS:
            r.fail(f"figures.{name}", "use lower-case letters, digits and '_' in figure names")
        kind_text = spec.get("kind")
        try:
            kind = FigureKind(str(kind_text))
        except ValueError:
            r.fail(f"{where}kind", f"must be one of amount, count, fact; got {kind_text!r}")
            kind = FigureKind.COUNT
        figures[name] = FigureSpec(
            name=name,
            zh=r.text(spec, "zh", where),
            en=r.text(spec, "en", where),
            kind=kind,
            unit=r.text(spec, "unit", where, required=kind is not FigureKind.FACT),
            unit_zh=r.text(spec, "unit_zh", where, required=False),
            unit_en=r.text(spec, "unit_en", where, required=False),
            symbol=r.text(spec, "symbol", where, required=False),
        )
    return figures


def _parse_levels(
    r: _Reader, data: Mapping[str, Any], figures: Mapping[str, FigureSpec]
) -> tuple[Level, ...]:
    levels: list[Level] = []
    limb_ids: set[str] = set()
    for i, raw in enumerate(r.table_list(data, "levels", "")):
        where = f"levels[{i}]."
        rank = raw.get("rank")
        if not isinstance(rank, int) or isinstance(rank, bool):
            r.fail(f"{where}rank", f"must be a whole number, got {rank!r}")
            rank = 0
        limbs = []
        for j, limb in enumerate(r.table_list(raw, "limbs", where)):
            at = f"{where}limbs[{j}]."
            limb_id = r.text(limb, "id", at)
            if limb_id in limb_ids:
                r.fail(f"{at}id", f"{limb_id!r} is used twice")
            limb_ids.add(limb_id)
            figure = r.text(limb, "figure", at)
            if figure and figure not in figures:
                r.fail(f"{at}figure", f"{figure!r} is not declared under [figures]")
            elif figure and figures[figure].kind is FigureKind.FACT:
                r.fail(f"{at}figure", f"{figure!r} is a fact: name it in requires, not figure")
            requires = r.strings(limb, "requires", at)
            for fact in requires:
                if fact not in figures or figures[fact].kind is not FigureKind.FACT:
                    r.fail(f"{at}requires", f"{fact!r} is not a fact declared under [figures]")
            limbs.append(
                Limb(
                    id=limb_id,
                    item=r.text(limb, "item", at),
                    figure=figure,
                    threshold=r.number(limb, "threshold", at),
                    provision_zh=r.text(limb, "provision_zh", at),
                    provision_en=r.text(limb, "provision_en", at),
                    verified=r.flag(limb, "verified", at),
                    requires=requires,
                    note=r.text(limb, "note", at, required=False),
                )
            )
        partial = None
        if "partial" in raw:
            partial = _parse_partial(r, raw["partial"], f"{where}partial.", limbs)
        levels.append(
            Level(
                id=r.ident(raw, "id", where),
                rank=rank,
                zh=r.text(raw, "zh", where),
                en=r.text(raw, "en", where),
                limbs=tuple(limbs),
                partial=partial,
                consequence_zh=r.text(raw, "consequence_zh", where, required=False),
                consequence_en=r.text(raw, "consequence_en", where, required=False),
            )
        )
    ranks = [level.rank for level in levels]
    if len(set(ranks)) != len(ranks):
        r.fail("levels", f"each level needs its own rank; got {ranks}")
    return tuple(sorted(levels, key=lambda level: level.rank))


def _parse_partial(r: _Reader, raw: Any, where: str, limbs: Sequence[Limb]) -> PartialRule | None:
    if not isinstance(raw, Mapping):
        r.fail(where.rstrip("."), "must be a table")
        return None
    min_items = raw.get("min_items")
    if not isinstance(min_items, int) or isinstance(min_items, bool) or min_items < 2:
        r.fail(f"{where}min_items", f"must be a whole number of at least 2, got {min_items!r}")
        min_items = 2
    fraction = r.number(raw, "fraction", where)
    if fraction >= 1:
        r.fail(f"{where}fraction", f"must be below 1 (a half is 0.5), got {raw.get('fraction')!r}")
    items = r.strings(raw, "items", where)
    known = {limb.item for limb in limbs}
    for item in items:
        if item not in known:
            r.fail(f"{where}items", f"{item!r} is the item of no limb of this level")
    if len(items) < min_items:
        r.fail(f"{where}items", f"name at least {min_items} items")
    return PartialRule(
        min_items=min_items,
        fraction=fraction,
        items=items,
        provision_zh=r.text(raw, "provision_zh", where),
        provision_en=r.text(raw, "provision_en", where),
        verified=r.flag(raw, "verified", where),
        note=r.text(raw, "note", where, required=False),
    )


# -- choosing the rule set ---------------------------------------------------------------


def select_rule_set(
    rule_sets: Iterable[RuleSet], *, jurisdiction: str, offence: str, on: date
) -> RuleSet:
    """The rule set of that jurisdiction and offence in force on ``on`` (the date of the
    conduct); of two in force, the one that took effect last."""
    candidates = [
        rs
        for rs in rule_sets
        if rs.jurisdiction == jurisdiction and rs.offence == offence and rs.in_force_on(on)
    ]
    if not candidates:
        raise NoRuleSetInForceError(
            f"no rule set for {offence} in {jurisdiction} was in force on {on.isoformat()}"
        )
    return max(candidates, key=lambda rs: (rs.effective_from, rs.id))


def later_rule_sets(rule_sets: Iterable[RuleSet], chosen: RuleSet) -> list[RuleSet]:
    """Rule sets of the same offence that took effect after ``chosen``: a case decided
    now may have to be weighed against them too."""
    return sorted(
        (
            rs
            for rs in rule_sets
            if rs.jurisdiction == chosen.jurisdiction
            and rs.offence == chosen.offence
            and rs.effective_from > chosen.effective_from
        ),
        key=lambda rs: rs.effective_from,
    )


# -- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of a case: its value, unit and where it comes from."""

    name: str
    value: Decimal | bool
    unit: str = ""
    source: str = ""


class LimbStatus(StrEnum):
    MET = "met"
    HALF = "partial"  # at the partial rule's fraction or more, below the threshold
    BELOW = "below"
    MISSING = "missing"  # the figure (or a fact it requires) is not known


@dataclass(frozen=True)
class LimbResult:
    limb: Limb
    status: LimbStatus
    value: Decimal | None
    missing: tuple[str, ...] = ()  # figures whose absence leaves it open


@dataclass(frozen=True)
class LevelResult:
    level: Level
    reached: bool | None  # None: not reached on the figures known, but a missing one could
    limbs: tuple[LimbResult, ...]
    by_partial: bool = False
    partial_items: tuple[str, ...] = ()
    deciding_figures: tuple[str, ...] = ()  # missing figures that could reach it

    @property
    def met(self) -> tuple[LimbResult, ...]:
        return tuple(r for r in self.limbs if r.status is LimbStatus.MET)

    @property
    def relies_on_unverified(self) -> bool:
        if not self.reached:
            return False
        if self.met:
            return all(not r.limb.verified for r in self.met)
        return self.level.partial is not None and not self.level.partial.verified


@dataclass(frozen=True)
class Evaluation:
    rule_set: RuleSet
    conduct_date: date | None
    levels: tuple[LevelResult, ...]
    figures: tuple[Figure, ...]
    later: tuple[RuleSet, ...] = ()
    unused_figures: tuple[str, ...] = ()

    @property
    def reached(self) -> LevelResult | None:
        """The most severe level reached on the figures known."""
        reached = [result for result in self.levels if result.reached]
        return reached[-1] if reached else None

    @property
    def undecided(self) -> tuple[LevelResult, ...]:
        """Levels above the one reached that a missing figure could still reach."""
        top = self.reached.level.rank if self.reached else None
        return tuple(
            r for r in self.levels if r.reached is None and (top is None or r.level.rank > top)
        )

    @property
    def unverified(self) -> bool:
        reached = self.reached
        return reached is not None and reached.relies_on_unverified


def read_figures(rule_set: RuleSet, figures: Iterable[Figure]) -> dict[str, Figure]:
    """Check each figure against the rule set's declaration: known name, same unit, a
    whole number for counts, yes or no for facts. Raises ``FigureInvalidError``."""
    known: dict[str, Figure] = {}
    for figure in figures:
        spec = rule_set.figures.get(figure.name)
        if spec is None:
            names = ", ".join(sorted(rule_set.figures))
            raise FigureInvalidError(
                f"{figure.name!r} is not a figure of rule set {rule_set.id}; it reads: {names}"
            )
        if figure.name in known:
            raise FigureInvalidError(f"{figure.name} is given twice")
        if spec.kind is FigureKind.FACT:
            if not isinstance(figure.value, bool):
                raise FigureInvalidError(f"{figure.name} is a fact: give true or false")
        else:
            if isinstance(figure.value, bool):
                raise FigureInvalidError(f"{figure.name} is a number, not true or false")
            if not figure.value.is_finite() or figure.value < 0:
                raise FigureInvalidError(f"{figure.name} must be a number of 0 or more")
            if spec.kind is FigureKind.COUNT and figure.value != figure.value.to_integral_value():
                raise FigureInvalidError(f"{figure.name} counts {spec.unit}: give a whole number")
            if figure.unit and figure.unit != spec.unit:
                raise FigureInvalidError(
                    f"{figure.name} is given in {figure.unit}, but rule set {rule_set.id} "
                    f"counts it in {spec.unit}: convert it first (and say how in its source)"
                )
        known[figure.name] = figure
    return known


def evaluate(
    rule_set: RuleSet,
    figures: Iterable[Figure],
    *,
    conduct_date: date | None = None,
    later: Sequence[RuleSet] = (),
) -> Evaluation:
    """Which levels of ``rule_set`` the figures reach, limb by limb
    (``threshold_text.explain`` words it in Chinese and English)."""
    known = read_figures(rule_set, figures)
    results = tuple(_evaluate_level(level, known) for level in rule_set.levels)
    read = {limb.figure for level in rule_set.levels for limb in level.limbs} | {
        fact for level in rule_set.levels for limb in level.limbs for fact in limb.requires
    }
    return Evaluation(
        rule_set=rule_set,
        conduct_date=conduct_date,
        levels=results,
        figures=tuple(known.values()),
        later=tuple(later),
        unused_figures=tuple(sorted(set(known) - read)),
    )


def _evaluate_limb(limb: Limb, known: Mapping[str, Figure], fraction: Decimal | None) -> LimbResult:
    missing = [fact for fact in limb.requires if fact not in known]
    if any(fact in known and known[fact].value is False for fact in limb.requires):
        figure = known.get(limb.figure)
        value = figure.value if figure is not None and not isinstance(figure.value, bool) else None
        return LimbResult(limb, LimbStatus.BELOW, value)
    figure = known.get(limb.figure)
    if figure is None:
        missing.insert(0, limb.figure)
    if missing:
        value = figure.value if figure is not None and not isinstance(figure.value, bool) else None
        return LimbResult(limb, LimbStatus.MISSING, value, tuple(missing))
    assert figure is not None and not isinstance(figure.value, bool)
    value = figure.value
    if value >= limb.threshold:
        return LimbResult(limb, LimbStatus.MET, value)
    if fraction is not None and value >= limb.threshold * fraction:
        return LimbResult(limb, LimbStatus.HALF, value)
    return LimbResult(limb, LimbStatus.BELOW, value)


def _evaluate_level(level: Level, known: Mapping[str, Figure]) -> LevelResult:
    partial = level.partial
    fraction = partial.fraction if partial is not None else None
    limbs = tuple(
        _evaluate_limb(
            limb, known, fraction if partial is not None and limb.item in partial.items else None
        )
        for limb in level.limbs
    )
    # an item counts once, however many of its limbs are at the fraction
    items = tuple(
        dict.fromkeys(
            r.limb.item
            for r in limbs
            if r.status is LimbStatus.HALF and partial is not None and r.limb.item in partial.items
        )
    )
    if any(r.status is LimbStatus.MET for r in limbs):
        return LevelResult(level, True, limbs, partial_items=items)
    deciding = tuple(dict.fromkeys(f for r in limbs for f in r.missing))
    if partial is not None:
        if len(items) >= partial.min_items:
            return LevelResult(level, True, limbs, by_partial=True, partial_items=items)
        return LevelResult(
            level,
            None if deciding else False,
            limbs,
            partial_items=items,
            deciding_figures=deciding,
        )
    return LevelResult(level, None if deciding else False, limbs, deciding_figures=deciding)
