"""Rule sets an officer adds: validated, stored as versions, audited, listed beside the
shipped ones, and chosen by the date of the conduct (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.bootstrap import Container, bootstrap
from swordnet.domain.errors import NotFoundError
from swordnet.domain.thresholds import Figure, RuleSetInvalidError
from swordnet.services import thresholds
from swordnet.services.audit import verify_chain
from swordnet.settings import Settings
from swordnet.storage import models

ACTOR = "officer wang"
SHIPPED = Path(__file__).parents[2] / "src" / "swordnet" / "thresholds"


@pytest.fixture
def app(settings: Settings, database_url: str) -> Iterator[Container]:
    container = bootstrap(settings.model_copy(update={"database_url": database_url}))
    yield container
    container.close()


def regional_rules(threshold: int = 80000) -> bytes:
    """A jurisdiction's rules written by an officer: the 2011 file under another id."""
    text = (SHIPPED / "cn-2011-opinions-art13.toml").read_text("utf-8")
    text = text.replace('id = "cn-2011-opinions-art13"', 'id = "xx-regional-2011"')
    text = text.replace('jurisdiction = "CN"', 'jurisdiction = "XX"')
    text = text.replace('superseded_by = "cn-2025-interpretation-art13"\n', "")
    text = text.replace("effective_to = 2025-04-25\n", "")
    return text.replace("threshold = 50000\n", f"threshold = {threshold}\n", 1).encode()


def test_add_versions_and_audit(app: Container) -> None:
    first = thresholds.add_rule_set(app.sessions, regional_rules(), "regional.toml", actor=ACTOR)
    assert first.ref == "xx-regional-2011@1" and first.origin == thresholds.STORED
    with pytest.raises(thresholds.RuleSetRefusedError, match=r"stored already .* as version 1"):
        thresholds.add_rule_set(app.sessions, regional_rules(), "again.toml", actor=ACTOR)
    second = thresholds.add_rule_set(
        app.sessions, regional_rules(90000), "regional-v2.toml", actor=ACTOR
    )
    assert second.version == 2

    listed = [s.ref for s in thresholds.list_rule_sets(app.sessions)]
    assert listed == [
        "cn-2011-opinions-art13@1",
        "cn-2025-interpretation-art13@1",
        "xx-regional-2011@2",
    ]
    every = thresholds.list_rule_sets(app.sessions, all_versions=True)
    assert [s.ref for s in every][-2:] == ["xx-regional-2011@1", "xx-regional-2011@2"]
    assert thresholds.get_rule_set(app.sessions, "xx-regional-2011@1").version == 1
    with pytest.raises(NotFoundError, match="no rule set nope; known: cn-2011"):
        thresholds.get_rule_set(app.sessions, "nope")

    with app.sessions() as session:
        events = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.action == "thresholds.added")
        ).all()
        assert [(e.actor, e.data["version"]) for e in events] == [(ACTOR, 1), (ACTOR, 2)]
        assert verify_chain(session) == []

    # the latest version is the one evaluated: 85,000 is below v2's 90,000
    report = thresholds.evaluate_figures(
        app.sessions,
        [Figure("illegal_business_volume", Decimal(85000), "CNY", "ledger")],
        conduct_date=date(2024, 1, 1),
        jurisdiction="XX",
    )
    assert report.version == 2
    assert report.as_dict()["levels"][0]["met_limbs"] == []
    json.dumps(report.as_dict(), ensure_ascii=False)


def test_refusals(app: Container) -> None:
    shipped = (SHIPPED / "cn-2011-opinions-art13.toml").read_bytes()
    with pytest.raises(thresholds.RuleSetRefusedError, match="id of a rule set SwordNet ships"):
        thresholds.add_rule_set(app.sessions, shipped, "copy.toml", actor=ACTOR)
    with pytest.raises(RuleSetInvalidError, match="not valid JSON"):
        thresholds.add_rule_set(app.sessions, b"{", "rules.json", actor=ACTOR)
    with pytest.raises(RuleSetInvalidError, match="not UTF-8"):
        thresholds.add_rule_set(app.sessions, b"\xff\xfe", "rules.toml", actor=ACTOR)
    with app.sessions() as session:
        assert session.scalars(select(models.ThresholdRuleSet)).first() is None


def test_json_files_are_accepted(app: Container) -> None:
    document = thresholds.read_document(regional_rules(), "regional.toml")
    stored = thresholds.add_rule_set(
        app.sessions, json.dumps(document).encode(), "regional.json", actor=ACTOR
    )
    assert stored.rule_set.effective_from == date(2011, 1, 11)


def test_evaluation_chooses_by_date_of_conduct(app: Container) -> None:
    figures = [Figure("actual_clicks", Decimal(60000), "clicks", "our crawl count")]
    before = thresholds.evaluate_figures(app.sessions, figures, conduct_date=date(2024, 12, 1))
    after = thresholds.evaluate_figures(app.sessions, figures, conduct_date=date(2025, 5, 1))
    assert before.evaluation.rule_set.id == "cn-2011-opinions-art13"
    assert before.as_dict()["reached"] == "serious"  # 60,000 ≥ 50,000 under 2011 art. 13(3)
    assert before.as_dict()["later_rule_sets"] == ["cn-2025-interpretation-art13"]
    assert after.evaluation.rule_set.id == "cn-2025-interpretation-art13"
    assert after.as_dict()["reached"] is None  # below the 100,000 of the 2025 text
    assert "actual_clicks" not in after.as_dict()["levels"][0]["deciding_figures"]
