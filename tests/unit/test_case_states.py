"""The case state machine and the referral steps, written out by hand: every transition
from every state is either allowed (leading where the table says) or refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from swordnet.domain.cases import (
    CaseState,
    CaseTransition,
    FigureName,
    ReferralKind,
    ReferralStatus,
    ReferralStep,
    TransitionRefused,
    check_agency,
    make_figure,
    next_referral_status,
    next_state,
    parse_amount,
    site_gone,
    status_of,
    transitions_from,
)
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import AgencyKind, CaseStatus

S = CaseState
# (transition, from) -> to; every pair not listed is refused
ALLOWED = {
    (CaseTransition.INVESTIGATE, S.INTAKE): S.INVESTIGATION,
    (CaseTransition.DECIDE, S.INVESTIGATION): S.DECISION,
    (CaseTransition.REFER, S.INTAKE): S.REFERRAL,
    (CaseTransition.REFER, S.INVESTIGATION): S.REFERRAL,
    (CaseTransition.REFER, S.DECISION): S.REFERRAL,
    (CaseTransition.REFER, S.REFERRAL): S.REFERRAL,
    (CaseTransition.CLOSE, S.DECISION): S.CLOSED,
    (CaseTransition.CLOSE, S.REFERRAL): S.CLOSED,
    (CaseTransition.DISMISS, S.INTAKE): S.CLOSED,
    (CaseTransition.DISMISS, S.INVESTIGATION): S.CLOSED,
    (CaseTransition.REOPEN, S.CLOSED): S.INVESTIGATION,
}


@pytest.mark.parametrize("state", list(CaseState), ids=lambda s: s.value)
@pytest.mark.parametrize("transition", list(CaseTransition), ids=lambda t: t.value)
def test_every_transition_from_every_state(transition: CaseTransition, state: CaseState) -> None:
    expected = ALLOWED.get((transition, state))
    if expected is None:
        with pytest.raises(TransitionRefused, match=transition.value):
            next_state(state, transition)
    else:
        assert next_state(state, transition) is expected


def test_the_forms_offer_the_allowed_manual_transitions() -> None:
    assert transitions_from(S.INTAKE) == [CaseTransition.INVESTIGATE, CaseTransition.DISMISS]
    assert transitions_from(S.CLOSED) == [CaseTransition.REOPEN]
    for state in CaseState:
        assert CaseTransition.REFER not in transitions_from(state)


def test_the_coarse_status_follows_the_state() -> None:
    assert [status_of(s) for s in CaseState] == [
        CaseStatus.OPEN,
        CaseStatus.OPEN,
        CaseStatus.OPEN,
        CaseStatus.REFERRED,
        CaseStatus.CLOSED,
    ]


R = ReferralStatus
REFERRAL_ALLOWED = {
    (ReferralStep.ACCEPT, R.SENT): R.ACCEPTED,
    (ReferralStep.REQUEST_MORE, R.SENT): R.MORE_REQUESTED,
    (ReferralStep.REQUEST_MORE, R.ACCEPTED): R.MORE_REQUESTED,
    (ReferralStep.RESUBMIT, R.MORE_REQUESTED): R.SENT,
    (ReferralStep.RECORD_OUTCOME, R.ACCEPTED): R.OUTCOME_RECORDED,
}


@pytest.mark.parametrize("status", list(ReferralStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("step", list(ReferralStep), ids=lambda s: s.value)
def test_every_referral_step_from_every_status(step: ReferralStep, status: ReferralStatus) -> None:
    expected = REFERRAL_ALLOWED.get((step, status))
    if expected is None:
        with pytest.raises(TransitionRefused):
            next_referral_status(status, step)
    else:
        assert next_referral_status(status, step) is expected


def test_referrals_go_to_the_right_kind_of_agency() -> None:
    check_agency(ReferralKind.CRIMINAL, AgencyKind.POLICE)
    check_agency(ReferralKind.SITE_SHUTDOWN, AgencyKind.TELECOM)
    check_agency(ReferralKind.APP_ACTION, AgencyKind.CYBERSPACE)
    with pytest.raises(SwordNetError, match="police"):
        check_agency(ReferralKind.CRIMINAL, AgencyKind.TELECOM)


WORKS = FigureName.WORKS_DISSEMINATED


def test_figures_say_their_unit_currency_and_source() -> None:
    money = make_figure(
        FigureName.ILLEGAL_GAINS, Decimal("52000"), unit=None, currency="cny", source="ledger"
    )
    assert (money.unit, money.currency) == ("CNY", "CNY")
    count = make_figure(
        FigureName.ACTUAL_CLICKS, Decimal("60000"), unit=None, currency=None, source="logs"
    )
    assert (count.unit, count.currency) == ("clicks", None)
    with pytest.raises(SwordNetError, match="currency"):
        make_figure(FigureName.ILLEGAL_GAINS, Decimal(1), unit=None, currency=None, source="x")
    with pytest.raises(SwordNetError, match="whole number"):
        make_figure(WORKS, Decimal("1.5"), unit=None, currency=None, source="x")
    with pytest.raises(SwordNetError, match="source"):
        make_figure(WORKS, Decimal(1), unit=None, currency=None, source=" ")


@pytest.mark.parametrize("text", ["-1", "abc", "1.234", "1e20", "NaN"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(SwordNetError):
        parse_amount(text, what="amount")


def test_a_site_is_gone_on_network_failure_or_error_status_never_when_refused() -> None:
    assert site_gone(error="DNS: no such name", status=0, refused=False) is True
    assert site_gone(error=None, status=503, refused=False) is True
    assert site_gone(error=None, status=200, refused=False) is False
    assert site_gone(error="unsafe address", status=0, refused=True) is None
