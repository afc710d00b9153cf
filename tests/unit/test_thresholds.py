"""The threshold evaluator, on a small rule set written here and on the shipped ones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from swordnet.domain.threshold_text import explain
from swordnet.domain.thresholds import (
    Figure,
    FigureInvalidError,
    NoRuleSetInForceError,
    RuleSet,
    RuleSetInvalidError,
    evaluate,
    later_rule_sets,
    parse_rule_set,
    parse_rule_set_toml,
    select_rule_set,
)

SHIPPED = Path(__file__).parents[2] / "src" / "swordnet" / "thresholds"


def _limb(lid: str, item: str, figure: str, threshold: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": lid,
        "item": item,
        "figure": figure,
        "threshold": threshold,
        "provision_zh": f"第{item}项",
        "provision_en": f"item {item}",
        "verified": True,
        **extra,
    }


def document(**overrides: Any) -> dict[str, Any]:
    """A rule set like the 2011 Opinions' art. 13, with made-up ids."""
    doc: dict[str, Any] = {
        "format": 1,
        "id": "test-set",
        "jurisdiction": "XX",
        "offence": "xx-offence",
        "offence_zh": "罪名",
        "offence_en": "offence",
        "title_zh": "测试规则",
        "title_en": "Test rules",
        "issued_by": ["Court"],
        "legal_basis": "art. 13",
        "effective_from": "2011-01-11",
        "sources": [{"title": "T", "where": "W", "official": True}],
        "figures": {
            "volume": {
                "zh": "非法经营数额",
                "en": "illegal business volume",
                "kind": "amount",
                "unit": "CNY",
                "symbol": "¥",
            },
            "works": {
                "zh": "作品数量",
                "en": "works",
                "kind": "count",
                "unit": "works",
                "unit_zh": "件",
                "unit_en": "works",
            },
            "clicks": {"zh": "点击数", "en": "clicks", "kind": "count", "unit": "clicks"},
            "members": {"zh": "会员数", "en": "members", "kind": "count", "unit": "members"},
            "prior": {"zh": "曾受处罚", "en": "prior penalty", "kind": "fact"},
        },
        "levels": [
            {
                "id": "serious",
                "rank": 1,
                "zh": "其他严重情节",
                "en": "other serious circumstances",
                "limbs": [
                    _limb("a", "(1)", "volume", 50000),
                    _limb("b", "(2)", "works", 500),
                    _limb("c", "(3)", "clicks", 50000),
                    _limb("d", "(4)", "members", 1000),
                    _limb("e", "(5)", "volume", 30000, requires=["prior"]),
                ],
                "partial": {
                    "min_items": 2,
                    "fraction": "0.5",
                    "items": ["(1)", "(2)", "(3)", "(4)"],
                    "provision_zh": "第（五）项",
                    "provision_en": "art. 13(5)",
                    "verified": True,
                },
            },
            {
                "id": "especially",
                "rank": 2,
                "zh": "其他特别严重情节",
                "en": "especially serious",
                "limbs": [_limb("a5", "(1)", "volume", 250000, verified=False)],
            },
        ],
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def rules() -> RuleSet:
    return parse_rule_set(document())


def fig(name: str, value: int | str | bool, source: str = "test") -> Figure:
    return Figure(name, value if isinstance(value, bool) else Decimal(value), "", source)


def reached(rules: RuleSet, *figures: Figure) -> str | None:
    top = evaluate(rules, figures).reached
    return top.level.id if top else None


@pytest.mark.parametrize(
    ("name", "value"), [("volume", 62000), ("works", 500), ("clicks", 50000), ("members", 1000)]
)
def test_each_limb_alone_reaches_the_level(rules: RuleSet, name: str, value: int) -> None:
    others = [fig(n, 0) for n in ("volume", "works", "clicks", "members") if n != name]
    result = evaluate(rules, [fig(name, value), *others, fig("prior", False)])
    assert result.reached is not None and result.reached.level.id == "serious"
    assert not result.reached.by_partial


@pytest.mark.parametrize(("name", "threshold"), [("volume", 50000), ("clicks", 50000)])
def test_boundaries_exactly_at_and_just_below(rules: RuleSet, name: str, threshold: int) -> None:
    assert reached(rules, fig(name, threshold)) == "serious"
    below = evaluate(
        rules,
        [fig(name, Decimal(threshold) - Decimal("0.01") if name == "volume" else threshold - 1)],
    )
    assert below.reached is None


def test_two_items_at_half_reach_the_level(rules: RuleSet) -> None:
    result = evaluate(
        rules,
        [
            fig("volume", 25000),
            fig("works", 250),
            fig("clicks", 0),
            fig("members", 0),
            fig("prior", False),
        ],
    )
    assert result.reached is not None and result.reached.by_partial
    assert result.reached.partial_items == ("(1)", "(2)")
    zh, en = explain(result)
    assert "非法经营数额 ¥25,000 < ¥50,000，但 ≥ ¥25,000" in "\n".join(zh)
    assert any(
        line.startswith("Conclusion: other serious circumstances (art. 13(5))") for line in en
    )


def test_one_item_at_half_is_not_enough(rules: RuleSet) -> None:
    result = evaluate(
        rules,
        [
            fig("volume", 49999),
            fig("works", 249),
            fig("clicks", 0),
            fig("members", 0),
            fig("prior", False),
        ],
    )
    assert result.reached is None
    assert result.levels[0].reached is False
    assert result.levels[0].partial_items == ("(1)",)
    assert "结论：所列数据未达到本规则集的任何标准" in explain(result)[0]


def test_missing_figures_are_named_as_deciding(rules: RuleSet) -> None:
    result = evaluate(rules, [fig("volume", 30000)])
    serious = result.levels[0]
    assert serious.reached is None  # undecided, not "not reached"
    assert serious.deciding_figures == ("works", "clicks", "members", "prior")
    zh, en = explain(result)
    assert any("尚缺数据" in line and "作品数量" in line for line in zh)
    assert any(line.startswith("Missing: works, clicks, members") for line in en)


def test_the_higher_level_and_unverified_thresholds(rules: RuleSet) -> None:
    result = evaluate(rules, [fig("volume", 250000)])
    assert result.reached is not None and result.reached.level.id == "especially"
    assert result.unverified
    zh, en = explain(result)
    assert any("未经官方文本核对" in line for line in zh)
    assert any(line.startswith("Caution:") for line in en)
    assert not evaluate(rules, [fig("volume", 60000)]).unverified


def test_a_limb_requiring_a_fact(rules: RuleSet) -> None:
    assert reached(rules, fig("volume", 30000), fig("prior", True)) == "serious"
    blocked = evaluate(
        rules,
        [
            fig("volume", 30000),
            fig("prior", False),
            fig("works", 0),
            fig("clicks", 0),
            fig("members", 0),
        ],
    )
    assert blocked.reached is None and blocked.levels[0].reached is False
    assert any("but the condition fails" in line for line in explain(blocked)[1])


def test_explanation_reads_like_the_issue_asks(rules: RuleSet) -> None:
    result = evaluate(rules, [fig("volume", 62000, "platform's payment records")])
    zh, en = explain(result)
    assert "  非法经营数额 ¥62,000 ≥ ¥50,000（第(1)项）：达到" in zh
    assert "  illegal business volume ¥62,000 ≥ ¥50,000 (item (1)): met" in en
    assert "Figure: illegal business volume ¥62,000 (source: platform's payment records)" in en


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        (Figure("turnover", Decimal(1)), "'turnover' is not a figure of rule set test-set"),
        (
            Figure("volume", Decimal(1), "USD"),
            "given in USD, but rule set test-set counts it in CNY",
        ),
        (Figure("works", Decimal("1.5")), "give a whole number"),
        (Figure("works", Decimal(-1)), "0 or more"),
        (Figure("prior", Decimal(1)), "give true or false"),
        (Figure("volume", True), "not true or false"),
    ],
)
def test_figures_that_cannot_be_read(rules: RuleSet, figure: Figure, message: str) -> None:
    with pytest.raises(FigureInvalidError, match=message):
        evaluate(rules, [figure])


def test_selection_by_date_and_superseded_sets() -> None:
    old = parse_rule_set(document(id="old", effective_to="2025-04-25"))
    new = parse_rule_set(document(id="new", effective_from="2025-04-26"))

    def pick(day: date) -> str:
        return select_rule_set([old, new], jurisdiction="XX", offence="xx-offence", on=day).id

    assert pick(date(2025, 4, 25)) == "old"
    assert pick(date(2025, 4, 26)) == "new"
    assert pick(date(2030, 1, 1)) == "new"
    with pytest.raises(NoRuleSetInForceError, match="in force on 2010-12-31"):
        pick(date(2010, 12, 31))
    with pytest.raises(NoRuleSetInForceError):
        select_rule_set([old], jurisdiction="YY", offence="xx-offence", on=date(2020, 1, 1))
    assert [rs.id for rs in later_rule_sets([old, new], old)] == ["new"]
    result = evaluate(old, [fig("volume", 60000)], later=later_rule_sets([old, new], old))
    assert any(
        line.startswith("Note: rule set new took effect later") for line in explain(result)[1]
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"format": 2}, "format: must be 1"),
        ({"id": "Bad Id"}, "id: 'Bad Id': use at most 100 lower-case"),
        ({"effective_from": "11 Jan 2011"}, "effective_from: must be a date"),
        ({"effective_to": "2010-01-01"}, "effective_to: 2010-01-01 is before effective_from"),
        ({"issued_by": []}, "issued_by: name at least one issuing body"),
        ({"sources": []}, "sources: must be a non-empty list"),
        ({"title_en": ""}, "title_en: must be a non-empty text"),
    ],
)
def test_invalid_documents_name_the_problem(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(RuleSetInvalidError) as caught:
        parse_rule_set(document(**change))
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_invalid_limbs_and_partial_rules_are_all_reported() -> None:
    doc = document()
    limbs = doc["levels"][0]["limbs"]
    limbs[0]["threshold"] = "fifty"
    limbs[1]["figure"] = "downloads"
    limbs[2]["verified"] = "yes"
    limbs[3]["requires"] = ["volume"]
    doc["levels"][0]["partial"]["fraction"] = "1.5"
    doc["levels"][0]["partial"]["items"] = ["(1)", "(9)"]
    doc["levels"][1]["rank"] = 1
    with pytest.raises(RuleSetInvalidError) as caught:
        parse_rule_set(doc)
    text = "\n".join(caught.value.problems)
    for expected in (
        "levels[0].limbs[0].threshold: must be a number, got 'fifty'",
        "levels[0].limbs[1].figure: 'downloads' is not declared under [figures]",
        "levels[0].limbs[2].verified: must be true or false",
        "levels[0].limbs[3].requires: 'volume' is not a fact",
        "levels[0].partial.fraction: must be below 1",
        "levels[0].partial.items: '(9)' is the item of no limb",
        "levels: each level needs its own rank",
    ):
        assert expected in text
    assert str(caught.value).startswith("the rule set is not valid: ")


def test_toml_syntax_errors_are_reported() -> None:
    with pytest.raises(RuleSetInvalidError, match="not valid TOML"):
        parse_rule_set_toml("id = ")


# -- the shipped rule sets ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[RuleSet]:
    return [parse_rule_set_toml(p.read_text("utf-8")) for p in sorted(SHIPPED.glob("*.toml"))]


def test_shipped_rule_sets_follow_one_another(shipped: list[RuleSet]) -> None:
    ids = [rs.id for rs in shipped]
    assert ids == ["cn-2011-opinions-art13", "cn-2025-interpretation-art13"]
    old, new = shipped
    assert old.effective_to == date(2025, 4, 25) and new.effective_from == date(2025, 4, 26)
    assert old.superseded_by == new.id
    for rs in shipped:
        assert rs.quotes and all(q.zh and q.en for q in rs.quotes)
        assert rs.verification_note


def test_2011_art13_as_the_issue_quotes_it(shipped: list[RuleSet]) -> None:
    old = shipped[0]
    result = evaluate(old, [fig("illegal_business_volume", 62000)], conduct_date=date(2020, 1, 1))
    zh, en = explain(result)
    assert "  非法经营数额 ¥62,000 ≥ ¥50,000（第十三条第（一）项）：达到" in zh
    assert "  illegal business volume ¥62,000 ≥ ¥50,000 (art. 13(1)): met" in en
    assert not result.unverified  # art. 13 first paragraph was checked
    half = evaluate(old, [fig("works_disseminated", 250), fig("actual_clicks", 25000)])
    assert half.reached is not None and half.reached.by_partial
    # the "especially serious" level (second paragraph) was not found: it says so
    high = evaluate(old, [fig("illegal_business_volume", 250000)])
    assert high.reached is not None and high.reached.level.id == "especially_serious"
    assert high.unverified


def test_2025_art13_is_marked_unverified_throughout(shipped: list[RuleSet]) -> None:
    new = shipped[1]
    assert not new.fully_verified
    result = evaluate(new, [fig("actual_clicks", 100000)])
    assert result.reached is not None and result.unverified
    # the four alternatives of item (4) are one item: two of them at half are not "two items"
    one_item = evaluate(new, [fig("actual_clicks", 50000), fig("downloads", 5000)])
    assert one_item.levels[0].partial_items == ("(4)",)
    assert one_item.reached is None
    two_items = evaluate(new, [fig("actual_clicks", 50000), fig("illegal_business_volume", 25000)])
    assert two_items.reached is not None and two_items.reached.by_partial
