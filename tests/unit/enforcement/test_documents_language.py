"""Legal documents print values, never Python objects, and a Chinese one is wholly Chinese."""

from __future__ import annotations

import pytest
from jinja2 import TemplateError

from swordnet.domain.enforcement import EscalationGrounds
from swordnet.domain.kinds import NoticeStatus, WorkKind
from swordnet.domain.pages import TITLED_KINDS
from swordnet.services.enforcement import vocabulary
from swordnet.services.enforcement.escalation import notice_lines
from swordnet.services.enforcement.rendering import render

from .chinese_text import foreign_words

HISTORY = [
    {
        "key": "3f" * 20,
        "sent_at": "2017-08-01 10:00 UTC",
        "deadline_at": "2017-08-02 10:00 UTC",
        "status": "ignored",
        "items": 3,
        "removed": 0,
        "body_sha256": "a" * 64,
        "urls": ["http://reprints.example/1"],
    }
]


class _Platform:
    name = "Daily Reprint Net"
    domain = "reprints.example:8080"
    operator = "Reprint Media Ltd"
    icp_filing = "ICP-reprints-0001"
    hosting_provider = "Example Hosting"
    registrar = None


def _shutdown_request(language: str) -> str:
    grounds = EscalationGrounds("ignored_notices", 3, 90)
    return render(
        f"notices/shutdown_request.{language}.txt.j2",
        regulator="Regulator",
        platform=_Platform(),
        case={"id": 7},
        date="2017-08-10",
        reason=vocabulary.grounds_text(grounds, language),
        notices=notice_lines(HISTORY, language),
        confirmed=5,
        sender="bureau@example",
    )


def test_the_shutdown_request_prints_each_notices_item_count() -> None:
    text = _shutdown_request("zh")
    assert "built-in method" not in text and "3 项" in text and "未予处理" in text
    assert "3 items" in _shutdown_request("en")


def test_the_chinese_shutdown_request_is_wholly_chinese() -> None:
    names = [_Platform.name, _Platform.operator, _Platform.hosting_provider, _Platform.icp_filing]
    names.append("Regulator")
    assert foreign_words(_shutdown_request("zh"), names) == []


def test_a_template_reading_a_dict_method_fails_instead_of_printing_its_repr() -> None:
    with pytest.raises(TemplateError):  # StrictUndefined: a dict has no "items" key here
        render("notices/shutdown_request.zh.txt.j2", **_context_with_dict_notices())


def _context_with_dict_notices() -> dict[str, object]:
    row = {k: v for k, v in HISTORY[0].items() if k != "items"}
    return {
        "regulator": "R",
        "platform": _Platform(),
        "case": {"id": 1},
        "date": "d",
        "reason": "r",
        "notices": [row],  # a dict without "items": n.items must not reach dict.items
        "confirmed": 1,
        "sender": "s",
    }


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (vocabulary.WORK_KINDS, list(WorkKind)),
        (vocabulary.NOTICE_STATUSES, list(NoticeStatus)),
        (vocabulary.TITLED_ITEMS, sorted(TITLED_KINDS)),
    ],
)
def test_the_vocabulary_has_every_value_in_every_language(
    table: dict[str, dict[str, str]], values: list[str]
) -> None:
    for value in values:
        assert set(table[value]) == set(vocabulary.LANGUAGES), value
        assert foreign_words(table[value]["zh"]) == [], value


def test_grounds_are_worded_in_the_documents_language() -> None:
    for what in ("ignored_notices", "confirmed_detections"):
        grounds = EscalationGrounds(what, 4, 30)
        assert foreign_words(vocabulary.grounds_text(grounds, "zh")) == []
        assert "30 days" in vocabulary.grounds_text(grounds, "en")


def test_each_kind_of_evidence_is_worded_in_the_documents_language() -> None:
    fingerprint = vocabulary.METHODS["fingerprint"]
    title = vocabulary.METHODS["title"]
    assert set(fingerprint) == set(title) == set(vocabulary.LANGUAGES)
    zh = title["zh"].format(item="商品", text="剑影江湖", alias="剑影江湖")
    assert foreign_words(zh) == [] and "相似度" not in zh
    assert foreign_words(fingerprint["zh"].format(modality="文本", score="0.93")) == []
    en = title["en"].format(item="listing", text="Sword", alias="Sword")
    assert en.startswith("title and listing details match the work") and "similarity" not in en
