"""The decide stage's pure rules: which record authorised a use, what a re-decision does to
each status, and title matches as a kind of evidence of their own."""

from __future__ import annotations

from datetime import date

import pytest

from swordnet import plugins
from swordnet.domain.enforcement import (
    AuthorisationDecision,
    LicenseTerms,
    UseOfWork,
    WhiteListTerms,
    decide_authorisation,
    evidence_kind,
    should_auto_confirm,
    status_after_rules,
)
from swordnet.domain.kinds import DetectionStatus as S
from swordnet.settings import EnforcementSettings

USE = UseOfWork(host="wire.example.com", on=date(2017, 8, 1), work_kind="news_article")
COVERED = AuthorisationDecision(True, "license #4 to Wire", license_id=4)
NOT_COVERED = AuthorisationDecision(False, "no license or white-list entry")


def test_the_decision_names_the_authorising_record() -> None:
    entry = WhiteListTerms("*.example.com", name="Wire", entry_id=7)
    assert decide_authorisation(USE, [], [entry]).grounds == {"white_list_entry_id": 7}
    terms = LicenseTerms("Wire", domains=("wire.example.com",), license_id=4)
    assert decide_authorisation(USE, [terms], []).grounds == {"license_id": 4}
    assert decide_authorisation(USE, [], []).grounds == {}


@pytest.mark.parametrize(
    ("status", "by_rule", "verdict", "expected"),
    [
        (S.NEW, False, COVERED, S.AUTHORISED),
        (S.CONFIRMED, False, COVERED, S.AUTHORISED),  # no notice yet: a license still counts
        (S.AUTHORISED, True, NOT_COVERED, S.NEW),  # the rule was withdrawn: review again
        (S.AUTHORISED, False, NOT_COVERED, S.AUTHORISED),  # authorised by a person
        (S.DISMISSED, False, COVERED, S.DISMISSED),  # dismissed by a person
        (S.NEW, False, NOT_COVERED, S.NEW),
        (S.CONFIRMED, False, NOT_COVERED, S.CONFIRMED),
    ],
)
def test_status_after_the_rules_are_applied_again(
    status: S, by_rule: bool, verdict: AuthorisationDecision, expected: S
) -> None:
    assert status_after_rules(status, by_rule, verdict) is expected


def test_title_matches_are_their_own_kind_of_evidence() -> None:
    assert evidence_kind("text", "title") == "title"
    assert evidence_kind("text", "text") == "text"
    assert evidence_kind("image", "image") == "image"
    assert set(plugins.evidence_kinds()) == {*plugins.modalities(), "title"}


def test_title_matches_wait_for_a_person_unless_given_a_threshold() -> None:
    defaults = EnforcementSettings().auto_confirm_thresholds()
    assert "title" not in defaults
    assert not should_auto_confirm("title", 1.0, defaults)
    assert should_auto_confirm("text", 1.0, defaults)
    assert should_auto_confirm("title", 0.95, {"title": 0.9})


def test_an_unknown_kind_of_evidence_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no kind of evidence named txt: use audio, image, text"):
        EnforcementSettings(auto_confirm={"txt": 0.8})
