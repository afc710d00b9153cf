"""Criminal-threshold rule sets: the shipped ones, the ones officers add, and evaluating a
case's figures against the one in force on the date of the conduct.

Shipped rule sets are package data (``swordnet/thresholds/*.toml``). An officer adds a
jurisdiction's rules as a file (``swordnet thresholds add``): it is validated, stored as the
next version of its id (the same content twice is refused), and audited. A stored rule set
never changes; a changed file is a new version, and the latest version is the one used.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import NotFoundError, SwordNetError
from swordnet.domain.threshold_text import explain
from swordnet.domain.thresholds import (
    Evaluation,
    Figure,
    RuleSet,
    RuleSetInvalidError,
    evaluate,
    later_rule_sets,
    parse_rule_set,
    select_rule_set,
)
from swordnet.services import audit
from swordnet.storage import models

SHIPPED = "shipped"
STORED = "stored"
MAX_FILE_BYTES = 1_000_000


class RuleSetRefusedError(SwordNetError):
    """A valid rule set that cannot be stored (its id is taken, or it is stored already)."""


@dataclass(frozen=True)
class StoredRuleSet:
    rule_set: RuleSet
    version: int
    origin: str  # SHIPPED or STORED
    sha256: str
    file_name: str | None = None
    added_by: str | None = None
    added_at: datetime | None = None

    @property
    def ref(self) -> str:
        return f"{self.rule_set.id}@{self.version}"


@dataclass(frozen=True)
class ThresholdReport:
    """An evaluation with its explanation, for the command line, the API and a referral."""

    evaluation: Evaluation
    version: int
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        e = self.evaluation
        reached = e.reached
        return {
            "rule_set": e.rule_set.id,
            "version": self.version,
            "conduct_date": e.conduct_date.isoformat() if e.conduct_date else None,
            "reached": reached.level.id if reached else None,
            "reached_by_partial_rule": bool(reached and reached.by_partial),
            "relies_on_unverified_thresholds": e.unverified,
            "levels": [
                {
                    "level": r.level.id,
                    "reached": r.reached,
                    "met_limbs": [m.limb.id for m in r.met],
                    "items_at_fraction": list(r.partial_items),
                    "deciding_figures": list(r.deciding_figures),
                }
                for r in e.levels
            ],
            "later_rule_sets": [rs.id for rs in e.later],
            "unused_figures": list(e.unused_figures),
            "explanation_zh": list(self.lines_zh),
            "explanation_en": list(self.lines_en),
        }


def _plain(value: Any) -> Any:
    """A TOML document as JSON: dates become ISO text (the parser reads both)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _digest(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_document(content: bytes, file_name: str) -> dict[str, Any]:
    """A rule-set file's document: JSON when the name ends in .json, TOML otherwise."""
    if len(content) > MAX_FILE_BYTES:
        raise RuleSetInvalidError([f"{file_name}: over {MAX_FILE_BYTES:,} bytes"])
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleSetInvalidError(
            [f"{file_name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from None
    try:
        data = json.loads(text) if file_name.lower().endswith(".json") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = "JSON" if file_name.lower().endswith(".json") else "TOML"
        raise RuleSetInvalidError([f"{file_name}: not valid {kind}: {exc}"]) from None
    if not isinstance(data, dict):
        raise RuleSetInvalidError([f"{file_name}: the document must be a table (an object)"])
    return _plain(data)  # type: ignore[no-any-return]


def shipped_rule_sets() -> list[StoredRuleSet]:
    shipped = []
    folder = resources.files("swordnet") / "thresholds"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        document = read_document(entry.read_bytes(), entry.name)
        shipped.append(
            StoredRuleSet(parse_rule_set(document), 1, SHIPPED, _digest(document), entry.name)
        )
    return shipped


def _stored(row: models.ThresholdRuleSet) -> StoredRuleSet:
    return StoredRuleSet(
        rule_set=parse_rule_set(row.document),
        version=row.version,
        origin=STORED,
        sha256=row.sha256,
        file_name=row.file_name,
        added_by=row.added_by,
        added_at=row.added_at,
    )


def add_rule_set(
    sessions: sessionmaker[Session], content: bytes, file_name: str, *, actor: str
) -> StoredRuleSet:
    """Validate a rule-set file and store it as the next version of its id, audited."""
    document = read_document(content, file_name)
    rule_set = parse_rule_set(document)
    if rule_set.id in {s.rule_set.id for s in shipped_rule_sets()}:
        raise RuleSetRefusedError(
            f"{rule_set.id} is the id of a rule set SwordNet ships: give yours another id"
        )
    sha256 = _digest(document)
    with sessions() as session, session.begin():
        latest = session.scalars(
            select(models.ThresholdRuleSet)
            .where(models.ThresholdRuleSet.rule_set_id == rule_set.id)
            .order_by(models.ThresholdRuleSet.version.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.sha256 == sha256:
            raise RuleSetRefusedError(
                f"{rule_set.id} is stored already with this content, as version {latest.version}"
            )
        row = models.ThresholdRuleSet(
            rule_set_id=rule_set.id,
            version=(latest.version + 1) if latest else 1,
            jurisdiction=rule_set.jurisdiction,
            offence=rule_set.offence,
            effective_from=rule_set.effective_from,
            effective_to=rule_set.effective_to,
            document=document,
            sha256=sha256,
            file_name=file_name[:1000],
            added_by=actor,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "thresholds.added",
            "threshold_rule_set",
            row.id,
            rule_set=rule_set.id,
            version=row.version,
            sha256=sha256,
            verified=rule_set.fully_verified,
        )
        return _stored(row)


def list_rule_sets(
    sessions: sessionmaker[Session], *, all_versions: bool = False
) -> list[StoredRuleSet]:
    """The shipped rule sets, then the stored ones (their latest versions, or all)."""
    with sessions() as session:
        query = select(models.ThresholdRuleSet)
        if not all_versions:
            latest = (
                select(
                    models.ThresholdRuleSet.rule_set_id,
                    func.max(models.ThresholdRuleSet.version).label("version"),
                )
                .group_by(models.ThresholdRuleSet.rule_set_id)
                .subquery()
            )
            query = query.join(
                latest,
                (models.ThresholdRuleSet.rule_set_id == latest.c.rule_set_id)
                & (models.ThresholdRuleSet.version == latest.c.version),
            )
        rows = session.scalars(
            query.order_by(models.ThresholdRuleSet.rule_set_id, models.ThresholdRuleSet.version)
        ).all()
        return [*shipped_rule_sets(), *(_stored(row) for row in rows)]


def get_rule_set(sessions: sessionmaker[Session], ref: str) -> StoredRuleSet:
    """A rule set by ``ID`` (its latest version) or ``ID@VERSION``."""
    rule_set_id, _, version_text = ref.partition("@")
    version = None
    if version_text:
        if not version_text.isdigit():
            raise NotFoundError(f"{ref}: a version is a whole number, as in {rule_set_id}@2")
        version = int(version_text)
    everything = list_rule_sets(sessions, all_versions=True)
    matching = [s for s in everything if s.rule_set.id == rule_set_id]
    if version is not None:
        matching = [s for s in matching if s.version == version]
    if not matching:
        known = ", ".join(sorted({s.rule_set.id for s in everything}))
        raise NotFoundError(f"no rule set {ref}; known: {known}")
    return max(matching, key=lambda s: s.version)


def _report(chosen: StoredRuleSet, evaluation: Evaluation) -> ThresholdReport:
    zh, en = explain(evaluation)
    return ThresholdReport(evaluation, chosen.version, zh, en)


def evaluate_figures(
    sessions: sessionmaker[Session],
    figures: Iterable[Figure],
    *,
    rule_set: str | None = None,
    conduct_date: date | None = None,
    jurisdiction: str = "CN",
    offence: str = "cn-criminal-law-217",
) -> ThresholdReport:
    """Evaluate a case's figures: against the rule set named (``ID`` or ``ID@VERSION``), or
    else against the one of ``jurisdiction`` and ``offence`` in force on ``conduct_date``."""
    current = list_rule_sets(sessions)
    if rule_set is not None:
        chosen = get_rule_set(sessions, rule_set)
    else:
        if conduct_date is None:
            raise SwordNetError("name a rule set, or give the date of the conduct to choose one")
        picked = select_rule_set(
            (s.rule_set for s in current),
            jurisdiction=jurisdiction,
            offence=offence,
            on=conduct_date,
        )
        chosen = next(s for s in current if s.rule_set is picked)
    later = later_rule_sets((s.rule_set for s in current), chosen.rule_set)
    evaluation = evaluate(chosen.rule_set, figures, conduct_date=conduct_date, later=later)
    return _report(chosen, evaluation)
