"""The pure enforcement rules: no database, no network."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from swordnet.domain.enforcement import (
    InfringerRecord,
    ItemCheck,
    LicenseTerms,
    RepeatInfringerPolicy,
    UseOfWork,
    WhiteListTerms,
    decide_authorisation,
    escalation_reason,
    host_matches,
    judge_item,
    looks_removed,
    notice_deadline,
    notice_key,
    notice_type,
    notice_verdict,
    review_priority,
    should_auto_confirm,
)
from swordnet.domain.kinds import NoticeItemStatus as Item
from swordnet.domain.kinds import NoticeStatus

USE = UseOfWork(host="video.example.com", on=date(2017, 8, 1), work_kind="film", country="CN")


@pytest.mark.parametrize(
    ("host", "pattern", "expected"),
    [
        ("video.example.com", "*.example.com", True),
        ("example.com", "*.example.com", True),
        ("badexample.com", "*.example.com", False),
        ("example.com:8080", "example.com", True),
        ("example.com:8080", "example.com:8080", True),
        ("example.com:9090", "example.com:8080", False),
        ("Example.COM", "example.com", True),
    ],
)
def test_host_patterns(host: str, pattern: str, expected: bool) -> None:
    assert host_matches(host, pattern) is expected


def test_a_license_for_the_site_in_its_period_authorises_with_its_number() -> None:
    terms = LicenseTerms("Licensee Co", domains=("*.example.com",), license_id=7)
    decision = decide_authorisation(USE, [terms], [])
    assert decision.authorised
    assert "#7" in decision.reason and "Licensee Co" in decision.reason


@pytest.mark.parametrize(
    ("terms", "why"),
    [
        (LicenseTerms("A", domains=("other.com",)), "not the licensee's"),
        (LicenseTerms("A", domains=("*.example.com",), ends_on=date(2017, 7, 31)), "period"),
        (LicenseTerms("A", domains=("*.example.com",), starts_on=date(2017, 8, 2)), "period"),
        (LicenseTerms("A", domains=("*.example.com",), territory=("US",)), "territory"),
        (LicenseTerms("A", domains=("*.example.com",), rights=("broadcast",)), "does not grant"),
        (LicenseTerms("A"), "names no domain"),
    ],
)
def test_licenses_that_do_not_cover_the_use_say_why(terms: LicenseTerms, why: str) -> None:
    decision = decide_authorisation(USE, [terms], [])
    assert not decision.authorised
    assert why in decision.reason


def test_a_license_can_name_the_platform_or_the_account() -> None:
    use = UseOfWork(
        host="x.com", on=date(2017, 8, 1), work_kind="film", platform_id=3, account="u1"
    )
    assert decide_authorisation(use, [LicenseTerms("A", platform_ids=(3,))], []).authorised
    assert decide_authorisation(use, [LicenseTerms("A", accounts=("u1",))], []).authorised
    assert not decide_authorisation(use, [LicenseTerms("A", accounts=("u2",))], []).authorised


def test_white_list_scope_and_period() -> None:
    news = UseOfWork(host="news.example.com", on=date(2017, 8, 1), work_kind="news_article")
    entry = WhiteListTerms("*.example.com", scope="news_article", name="Reprinter")
    assert decide_authorisation(news, [], [entry]).authorised
    assert "Reprinter" in decide_authorisation(news, [], [entry]).reason
    assert not decide_authorisation(USE, [], [entry]).authorised  # a film is out of scope
    expired = WhiteListTerms("*.example.com", ends_on=date(2017, 1, 1))
    assert not decide_authorisation(news, [], [expired]).authorised


def test_nothing_on_record_is_not_authorised() -> None:
    decision = decide_authorisation(USE, [], [])
    assert not decision.authorised and "no license" in decision.reason


def test_review_priority_puts_prewarned_then_key_works_then_score_and_reach() -> None:
    entries = {
        "plain-high": review_priority(prewarned=False, key_work=False, score=0.99, reach=9),
        "key-low": review_priority(prewarned=False, key_work=True, score=0.5, reach=1),
        "prewarned-low": review_priority(prewarned=True, key_work=True, score=0.4, reach=1),
        "plain-low": review_priority(prewarned=False, key_work=False, score=0.6, reach=1),
        "plain-high-reach": review_priority(prewarned=False, key_work=False, score=0.99, reach=20),
    }
    order = sorted(entries, key=entries.__getitem__)
    assert order == ["prewarned-low", "key-low", "plain-high-reach", "plain-high", "plain-low"]


def test_auto_confirm_threshold_per_modality() -> None:
    thresholds = {"text": 0.8, "image": 0.95}
    assert should_auto_confirm("text", 0.8, thresholds)
    assert not should_auto_confirm("image", 0.9, thresholds)
    assert not should_auto_confirm("audio", 1.0, thresholds)  # no threshold: always reviewed


def test_deadlines_per_notice_type() -> None:
    hours = {"key_work": 24.0, "ecommerce": 360.0, "default": 72.0}
    sent = datetime(2017, 8, 1, tzinfo=UTC)
    assert notice_type(key_work_or_prewarned=True, platform_category="ecommerce") == "key_work"
    assert notice_type(key_work_or_prewarned=False, platform_category="ecommerce") == "ecommerce"
    assert notice_deadline(sent, "key_work", hours) == sent + timedelta(hours=24)
    assert notice_deadline(sent, "ecommerce", hours) == sent + timedelta(days=15)
    assert notice_deadline(sent, "unknown", hours) == sent + timedelta(hours=72)


def test_notice_keys_are_stable_and_order_free() -> None:
    assert notice_key("a@b", "cn-rpnd", [3, 1, 2]) == notice_key("a@b", "cn-rpnd", [1, 2, 3])
    assert notice_key("a@b", "cn-rpnd", [1]) != notice_key("a@b", "us-dmca", [1])


@pytest.mark.parametrize(
    "text",
    [
        "该内容已被删除",
        "抱歉，资源已下架",
        "啊哦，你来晚了，分享的文件已经被删除了",
        "分享已取消",
        "链接不存在",
        "This content has been removed",
        "Video removed due to a copyright claim",
    ],
)
def test_removal_placeholders_are_recognised(text: str) -> None:
    assert looks_removed(f"<nav>Home</nav> {text}")


def test_a_long_page_mentioning_removal_is_not_a_placeholder() -> None:
    assert not looks_removed("已删除" + "正文" * 3000)


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (ItemCheck(status=404), Item.REMOVED),
        (ItemCheck(status=410), Item.REMOVED),
        (ItemCheck(status=200, page_text="该内容已被删除"), Item.REMOVED),
        (ItemCheck(status=200, page_text="other text", still_matches=False), Item.REMOVED),
        (
            ItemCheck(status=200, still_matches=True, body_sha256="a", captured_sha256="a"),
            Item.STILL_THERE,
        ),
        (
            ItemCheck(status=200, still_matches=True, body_sha256="b", captured_sha256="a"),
            Item.CHANGED,
        ),
        (ItemCheck(status=None, error="timeout"), Item.PENDING),
        (ItemCheck(status=503), Item.PENDING),
    ],
)
def test_judging_a_rechecked_item(check: ItemCheck, expected: Item) -> None:
    assert judge_item(check).status is expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([Item.REMOVED, Item.REMOVED], NoticeStatus.COMPLIED),
        ([Item.REMOVED, Item.STILL_THERE], NoticeStatus.PARTLY_COMPLIED),
        ([Item.STILL_THERE, Item.CHANGED], NoticeStatus.IGNORED),
        ([Item.REMOVED, Item.COUNTER_NOTICED], NoticeStatus.COMPLIED),
        ([Item.STILL_THERE, Item.COUNTER_NOTICED], NoticeStatus.PARTLY_COMPLIED),
    ],
)
def test_notice_verdicts(items: list[Item], expected: NoticeStatus) -> None:
    assert notice_verdict(items) is expected


def test_repeat_infringer_policy() -> None:
    policy = RepeatInfringerPolicy(
        ignored_notices=2, confirmed_detections=10, window=timedelta(days=90)
    )
    assert escalation_reason(InfringerRecord(1, 9), policy) is None
    assert "2 notices ignored" in (escalation_reason(InfringerRecord(2, 0), policy) or "")
    assert "10 confirmed" in (escalation_reason(InfringerRecord(0, 10), policy) or "")
