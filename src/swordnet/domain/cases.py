"""Cases as rules: the states a case goes through, the transitions between them, what a
referral to a partner agency goes through, and the vocabularies an officer picks from
(penalties, figures, kinds of operator, legal bases). Pure: no I/O, nothing of ours.

A case moves from intake to closure only by named transitions, each allowed from certain
states; ``next_state`` is the one place that says so, and refuses anything else. The
coarse ``status`` that briefings count (open, referred, closed) follows from the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import AgencyKind, CaseStatus


class CaseState(StrEnum):
    INTAKE = "intake"  # opened: by hand, from a tip, or by escalation
    INVESTIGATION = "investigation"  # evidence and figures being gathered
    DECISION = "decision"  # an administrative decision (penalties) was taken
    REFERRAL = "referral"  # referred to a partner agency, awaiting its outcome
    CLOSED = "closed"


class CaseTransition(StrEnum):
    INVESTIGATE = "investigate"
    DECIDE = "decide"
    REFER = "refer"
    CLOSE = "close"
    DISMISS = "dismiss"  # closed without a decision: no infringement, no jurisdiction
    REOPEN = "reopen"


_S = CaseState
# transition -> the states it may start from, and the state it leads to
TRANSITIONS: Mapping[CaseTransition, tuple[frozenset[CaseState], CaseState]] = MappingProxyType(
    {
        CaseTransition.INVESTIGATE: (frozenset({_S.INTAKE}), _S.INVESTIGATION),
        CaseTransition.DECIDE: (frozenset({_S.INVESTIGATION}), _S.DECISION),
        # a repeat infringer escalated at intake may be referred at once (site shutdown);
        # a case already referred may be referred to a second agency
        CaseTransition.REFER: (
            frozenset({_S.INTAKE, _S.INVESTIGATION, _S.DECISION, _S.REFERRAL}),
            _S.REFERRAL,
        ),
        CaseTransition.CLOSE: (frozenset({_S.DECISION, _S.REFERRAL}), _S.CLOSED),
        CaseTransition.DISMISS: (frozenset({_S.INTAKE, _S.INVESTIGATION}), _S.CLOSED),
        CaseTransition.REOPEN: (frozenset({_S.CLOSED}), _S.INVESTIGATION),
    }
)

# transitions a person asks for by name; REFER happens by sending a referral
MANUAL_TRANSITIONS = (
    CaseTransition.INVESTIGATE,
    CaseTransition.DECIDE,
    CaseTransition.CLOSE,
    CaseTransition.DISMISS,
    CaseTransition.REOPEN,
)


class TransitionRefused(SwordNetError):  # noqa: N818 - a refusal, named as the user sees it
    """The transition is not allowed from the case's (or referral's) current state."""


def next_state(state: CaseState, transition: CaseTransition) -> CaseState:
    """The state ``transition`` leads to from ``state``; refused when not allowed."""
    sources, target = TRANSITIONS[transition]
    if state not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise TransitionRefused(
            f"a case in {state.value} cannot {transition.value} (only from {allowed})"
        )
    return target


def transitions_from(state: CaseState) -> list[CaseTransition]:
    """The manual transitions open to a case in ``state``, in a stable order."""
    return [t for t in MANUAL_TRANSITIONS if state in TRANSITIONS[t][0]]


def status_of(state: CaseState) -> CaseStatus:
    """The coarse status briefings count."""
    if state is CaseState.CLOSED:
        return CaseStatus.CLOSED
    if state is CaseState.REFERRAL:
        return CaseStatus.REFERRED
    return CaseStatus.OPEN


# --- the operator a case is against ------------------------------------------------------


class TargetKind(StrEnum):
    SITE = "site"  # a web site or platform: domain, ICP filing, hosting
    COMPANY = "company"  # a business: name, unified social credit code
    ACCOUNT = "account"  # an account on a platform: platform, handle
    APP = "app"  # an app: store, package name


# the identifiers each kind of operator is recorded with (others are kept too)
TARGET_IDENTIFIERS: Mapping[TargetKind, tuple[str, ...]] = MappingProxyType(
    {
        TargetKind.SITE: ("domain", "icp_filing", "hosting_provider", "registrar"),
        TargetKind.COMPANY: ("name", "credit_code", "address"),
        TargetKind.ACCOUNT: ("platform", "account"),
        TargetKind.APP: ("store", "package", "developer"),
    }
)


def clean_identifiers(kind: TargetKind, identifiers: Mapping[str, object]) -> dict[str, str]:
    """Non-empty identifier values as text; the kind's first identifier is required."""
    clean = {
        str(k).strip(): str(v).strip()
        for k, v in identifiers.items()
        if v is not None and str(v).strip() and str(k).strip()
    }
    first = TARGET_IDENTIFIERS[kind][0]
    if first not in clean:
        raise SwordNetError(f"an operator of kind {kind.value} needs its {first}")
    return clean


# --- penalties, figures, legal bases -----------------------------------------------------


class PenaltyKind(StrEnum):
    WARNING = "warning"
    ORDER_TO_STOP = "order_to_stop"
    CONFISCATE_GAINS = "confiscate_gains"
    CONFISCATE_COPIES = "confiscate_copies"
    CONFISCATE_EQUIPMENT = "confiscate_equipment"
    FINE = "fine"


# penalties that carry an amount of money (a fine, illegal gains confiscated)
MONETARY_PENALTIES = frozenset({PenaltyKind.FINE, PenaltyKind.CONFISCATE_GAINS})


class FigureName(StrEnum):
    """The figures a decision or a criminal threshold rests on, named as the threshold rule
    sets (``swordnet/thresholds/*.toml``) name them."""

    ILLEGAL_BUSINESS_VOLUME = "illegal_business_volume"  # 非法经营数额
    ILLEGAL_GAINS = "illegal_gains"  # 违法所得数额
    WORKS_DISSEMINATED = "works_disseminated"  # number of works disseminated
    ACTUAL_CLICKS = "actual_clicks"  # clicks or views (实际被点击数)
    REGISTERED_MEMBERS = "registered_members"  # (paying) registered members (注册会员)
    COPIES = "copies"  # copies distributed
    DOWNLOADS = "downloads"


MONETARY_FIGURES = frozenset({FigureName.ILLEGAL_BUSINESS_VOLUME, FigureName.ILLEGAL_GAINS})
# the unit a count is given in when the officer names none (the rule sets' units)
DEFAULT_UNITS: Mapping[FigureName, str] = MappingProxyType(
    {
        FigureName.WORKS_DISSEMINATED: "works",
        FigureName.ACTUAL_CLICKS: "clicks",
        FigureName.REGISTERED_MEMBERS: "members",
        FigureName.COPIES: "copies",
        FigureName.DOWNLOADS: "downloads",
    }
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure in the shape the criminal-threshold evaluation reads."""

    name: str
    value: Decimal
    unit: str
    currency: str | None
    source: str


def parse_amount(text: str | Decimal | int | float, *, what: str) -> Decimal:
    """A non-negative decimal with at most two places, from what a person typed."""
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise SwordNetError(f"{what}: {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise SwordNetError(f"{what}: give a number of zero or more")
    if value != value.quantize(Decimal("0.01")):
        raise SwordNetError(f"{what}: at most two decimal places")
    if value >= Decimal("1e16"):
        raise SwordNetError(f"{what}: {text} is too large")
    return value


def make_figure(
    name: FigureName, value: Decimal, *, unit: str | None, currency: str | None, source: str
) -> Figure:
    """A figure checked for what its name requires: money has a currency, counts a unit
    and no currency, and every figure says where it comes from."""
    if not source.strip():
        raise SwordNetError("say where the figure comes from (its source)")
    if name in MONETARY_FIGURES:
        if not currency or len(currency.strip()) != 3:
            raise SwordNetError(f"{name.value} is an amount: give its currency (e.g. CNY)")
        code = currency.strip().upper()
        return Figure(name.value, value, unit or code, code, source.strip())
    if value != value.to_integral_value():
        raise SwordNetError(f"{name.value} is a count: give a whole number")
    return Figure(name.value, value, unit or DEFAULT_UNITS[name], None, source.strip())


@dataclass(frozen=True, slots=True)
class LegalBasis:
    code: str
    zh: str
    en: str


# Common bases of copyright administrative penalties, offered to the officer; the basis of
# a penalty is the text the officer enters, so any other may be typed in.
LEGAL_BASES: tuple[LegalBasis, ...] = (
    LegalBasis(
        "cn-copyright-law-53",
        "《中华人民共和国著作权法》第五十三条",
        "Copyright Law of the People's Republic of China, art. 53",
    ),
    LegalBasis(
        "cn-copyright-regulation-36",
        "《中华人民共和国著作权法实施条例》第三十六条",
        "Regulations for the Implementation of the Copyright Law, art. 36",
    ),
    LegalBasis(
        "cn-rpnd-18",
        "《信息网络传播权保护条例》第十八条",
        "Regulation on the Protection of the Right to Network Dissemination of Information, "
        "art. 18",
    ),
    LegalBasis(
        "cn-rpnd-19",
        "《信息网络传播权保护条例》第十九条",
        "Regulation on the Protection of the Right to Network Dissemination of Information, "
        "art. 19",
    ),
    LegalBasis(
        "cn-administrative-penalty-law-9",
        "《中华人民共和国行政处罚法》第九条",
        "Administrative Penalty Law of the People's Republic of China, art. 9",
    ),
)


# --- referrals to partner agencies ------------------------------------------------------


class ReferralKind(StrEnum):
    CRIMINAL = "criminal"  # to the police
    SITE_SHUTDOWN = "site_shutdown"  # to the telecom regulator
    ACCOUNT_ACTION = "account_action"  # to the cyberspace regulator
    APP_ACTION = "app_action"  # to the cyberspace regulator


# the kind of agency each kind of referral goes to
REFERRAL_AGENCY: Mapping[ReferralKind, AgencyKind] = MappingProxyType(
    {
        ReferralKind.CRIMINAL: AgencyKind.POLICE,
        ReferralKind.SITE_SHUTDOWN: AgencyKind.TELECOM,
        ReferralKind.ACCOUNT_ACTION: AgencyKind.CYBERSPACE,
        ReferralKind.APP_ACTION: AgencyKind.CYBERSPACE,
    }
)


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    MORE_REQUESTED = "more_requested"  # the agency asked the officer for more
    OUTCOME_RECORDED = "outcome_recorded"


class ReferralStep(StrEnum):
    ACCEPT = "accept"  # the agency
    REQUEST_MORE = "request_more"  # the agency
    RESUBMIT = "resubmit"  # the officer, having answered
    RECORD_OUTCOME = "record_outcome"  # the agency


_R = ReferralStatus
REFERRAL_STEPS: Mapping[ReferralStep, tuple[frozenset[ReferralStatus], ReferralStatus]] = (
    MappingProxyType(
        {
            ReferralStep.ACCEPT: (frozenset({_R.SENT}), _R.ACCEPTED),
            ReferralStep.REQUEST_MORE: (frozenset({_R.SENT, _R.ACCEPTED}), _R.MORE_REQUESTED),
            ReferralStep.RESUBMIT: (frozenset({_R.MORE_REQUESTED}), _R.SENT),
            ReferralStep.RECORD_OUTCOME: (frozenset({_R.ACCEPTED}), _R.OUTCOME_RECORDED),
        }
    )
)


class ReferralOutcome(StrEnum):
    ACTION_TAKEN = "action_taken"  # site shut down, case filed, account closed
    NO_ACTION = "no_action"  # declined, with the reason in the outcome's text


def next_referral_status(status: ReferralStatus, step: ReferralStep) -> ReferralStatus:
    sources, target = REFERRAL_STEPS[step]
    if status not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise TransitionRefused(
            f"a referral that is {status.value} cannot {step.value} (only when {allowed})"
        )
    return target


def check_agency(kind: ReferralKind, agency_kind: AgencyKind) -> None:
    wanted = REFERRAL_AGENCY[kind]
    if agency_kind is not wanted:
        raise SwordNetError(
            f"a {kind.value} referral goes to a {wanted.value} agency, "
            f"not a {agency_kind.value} one"
        )


# --- is a site gone? ---------------------------------------------------------------------


def site_gone(*, error: str | None, status: int, refused: bool) -> bool | None:
    """Whether one re-check found the site gone: True when the name did not resolve, the
    connection failed or the server answered with an error; False when it answered; None
    when the check could not be made (refused by the address policy or a budget)."""
    if refused:
        return None
    if error is not None:
        return True
    return status >= 400
