"""Who may do what, and over which rows: the access policy, written as data.

An *action* is ``resource.verb`` ("detections.review"). ``POLICY`` grants each role a set of
actions, each with a *scope*: the rows the action reaches for a user of that role.

- ``all``: every row;
- ``region``: the rows of the user's region and every region below it (a provincial
  officer's province, its cities and counties);
- ``holder``: the rows about the user's rights holder (its works, what was found of them
  and done about it);
- ``platform``: the rows addressed to the user's platform (its notices and their items,
  the pre-warning lists sent to it);
- ``referred``: the rows referred to the user's agency (cases and what they hold);
- ``self``: the user's own rows (API tokens).

An action a role is not granted is refused outright; a granted one reaches only the rows of
its scope. The same scope is applied to a single row (open, change) and to every list, in
the query itself (``services.access``), so that no page of rows is fetched and filtered
afterwards. Every route of the web app and the API names its action; a test walks them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from swordnet.domain.kinds import AgencyKind, Role


class Scope(StrEnum):
    ALL = "all"
    REGION = "region"
    HOLDER = "holder"
    PLATFORM = "platform"
    REFERRED = "referred"
    SELF = "self"


# Every action, with what it lets a user do. A route naming an action not listed here is an
# error at start-up.
ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "dashboard.read": "see the campaign's figures",
        "works.read": "see works and their reference files",
        "works.write": "register works, upload reference files",
        "licenses.read": "see who is licensed to use a work",
        "licenses.write": "declare and end licences",
        "whitelist.read": "see the white list of licensed reprinters",
        "whitelist.write": "change the white list",
        "targets.read": "see monitoring targets and their runs",
        "targets.write": "add, edit, pause and remove monitoring targets",
        "targets.run": "start a crawl now",
        "detections.read": "see detections and their evidence",
        "detections.review": "confirm or dismiss detections",
        "notices.read": "see notices, their items, deliveries and deadlines",
        "notices.write": "draft notices",
        "notices.send": "send notices",
        "notices.answer": "answer a notice's items (removed, counter-notice)",
        "counter_notices.read": "see counter-notices",
        "counter_notices.write": "record counter-notices, contest or restore",
        "prewarning.read": "see pre-warning lists",
        "prewarning.write": "publish pre-warning lists",
        "prewarning.acknowledge": "acknowledge a pre-warning list",
        "cases.read": "see cases",
        "cases.write": "open, change and refer cases",
        "referrals.read": "see the referrals of cases to partner agencies",
        "referrals.answer": "answer a referral to one's agency: accept, ask for more, outcome",
        "thresholds.read": "see the criminal-threshold rule sets and evaluate figures against them",
        "thresholds.write": "add a jurisdiction's criminal-threshold rule set",
        "complaints.write": "file a complaint about a copy",
        "platforms.read": "see platforms, their sites, accounts and notice channels",
        "platforms.write": "register and change platforms",
        "holders.read": "see rights holders and their agents",
        "holders.write": "register and change rights holders",
        "agencies.read": "see agencies",
        "agencies.write": "register and change agencies",
        "regions.read": "see the regions",
        "regions.write": "change the regions",
        "users.read": "see user accounts",
        "users.write": "create, change and deactivate user accounts",
        "tokens.read": "see API tokens",
        "tokens.write": "create and revoke API tokens",
        "audit.read": "search the audit trail",
    }
)

_A, _R, _H, _P, _F, _S = (
    Scope.ALL,
    Scope.REGION,
    Scope.HOLDER,
    Scope.PLATFORM,
    Scope.REFERRED,
    Scope.SELF,
)


def _grant(**grants: Scope) -> Mapping[str, Scope]:
    actions = {name.replace("__", "."): scope for name, scope in grants.items()}
    unknown = sorted(set(actions) - set(ACTIONS))
    if unknown:
        raise ValueError(f"unknown actions in the policy: {', '.join(unknown)}")
    return MappingProxyType(actions)


POLICY: Mapping[Role, Mapping[str, Scope]] = MappingProxyType(
    {
        # runs the installation: every action, every row
        Role.ADMIN: _grant(**{action.replace(".", "__"): _A for action in ACTIONS}),
        # a copyright officer: acts on the targets, detections, notices and cases of the
        # region and below; the catalogue of works, the parties and the lists are shared
        Role.OFFICER: _grant(
            dashboard__read=_R,
            works__read=_A,
            works__write=_A,
            licenses__read=_A,
            licenses__write=_A,
            whitelist__read=_A,
            whitelist__write=_A,
            targets__read=_R,
            targets__write=_R,
            targets__run=_R,
            detections__read=_R,
            detections__review=_R,
            notices__read=_R,
            notices__write=_R,
            notices__send=_R,
            counter_notices__read=_R,
            counter_notices__write=_R,
            prewarning__read=_A,
            prewarning__write=_A,
            cases__read=_R,
            cases__write=_R,
            referrals__read=_R,
            thresholds__read=_A,
            platforms__read=_A,
            platforms__write=_R,
            holders__read=_A,
            holders__write=_A,
            agencies__read=_A,
            regions__read=_A,
            users__read=_R,
            tokens__read=_S,
            tokens__write=_S,
            audit__read=_R,
        ),
        # reviews detections of the region; sees what follows, changes nothing else
        Role.REVIEWER: _grant(
            dashboard__read=_R,
            works__read=_A,
            licenses__read=_A,
            whitelist__read=_A,
            targets__read=_R,
            detections__read=_R,
            detections__review=_R,
            notices__read=_R,
            counter_notices__read=_R,
            prewarning__read=_A,
            platforms__read=_A,
            holders__read=_A,
            regions__read=_A,
        ),
        # the cyberspace regulator, the telecom regulator, the police: what was referred
        Role.PARTNER: _grant(
            dashboard__read=_F,
            detections__read=_F,
            notices__read=_F,
            cases__read=_F,
            referrals__read=_F,
            referrals__answer=_F,
            thresholds__read=_A,
            platforms__read=_A,
            agencies__read=_A,
            regions__read=_A,
            tokens__read=_S,
            tokens__write=_S,
        ),
        # a rights holder or collective management organisation: its works and their fate
        Role.RIGHTS_HOLDER: _grant(
            dashboard__read=_H,
            works__read=_H,
            works__write=_H,
            licenses__read=_H,
            licenses__write=_H,
            detections__read=_H,
            notices__read=_H,
            counter_notices__read=_H,
            counter_notices__write=_H,
            prewarning__read=_H,
            cases__read=_H,
            complaints__write=_H,
            holders__read=_H,
            holders__write=_H,
            regions__read=_A,
            tokens__read=_S,
            tokens__write=_S,
        ),
        # a platform: the notices and lists addressed to it, and its answers
        Role.PLATFORM: _grant(
            dashboard__read=_P,
            detections__read=_P,
            notices__read=_P,
            notices__answer=_P,
            counter_notices__read=_P,
            counter_notices__write=_P,
            prewarning__read=_P,
            prewarning__acknowledge=_P,
            platforms__read=_P,
            regions__read=_A,
            tokens__read=_S,
            tokens__write=_S,
        ),
        # reads the region's work, changes nothing
        Role.VIEWER: _grant(
            dashboard__read=_R,
            works__read=_A,
            targets__read=_R,
            detections__read=_R,
            notices__read=_R,
            cases__read=_R,
            referrals__read=_R,
            thresholds__read=_A,
            prewarning__read=_A,
            platforms__read=_A,
            holders__read=_A,
            regions__read=_A,
        ),
    }
)

# Roles that must pass a second factor (TOTP) before any action.
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.REVIEWER})

# What each role must belong to: an officer to a copyright agency's region, a partner to
# an agency, a rights holder to a holder, a platform to a platform.
MEMBERSHIP: Mapping[Role, str | None] = MappingProxyType(
    {
        Role.ADMIN: None,
        Role.OFFICER: "agency",
        Role.REVIEWER: "agency",
        Role.PARTNER: "agency",
        Role.RIGHTS_HOLDER: "holder",
        Role.PLATFORM: "platform",
        Role.VIEWER: "agency",
    }
)


# The kinds of agency a role's members work for: officers, reviewers and viewers for a
# copyright administration; partners for another body (regulators, the police).
AGENCY_KINDS: Mapping[Role, frozenset[AgencyKind]] = MappingProxyType(
    {
        Role.OFFICER: frozenset({AgencyKind.COPYRIGHT}),
        Role.REVIEWER: frozenset({AgencyKind.COPYRIGHT}),
        Role.VIEWER: frozenset({AgencyKind.COPYRIGHT}),
        Role.PARTNER: frozenset(AgencyKind) - {AgencyKind.COPYRIGHT},
    }
)


def scope_of(role: Role, action: str) -> Scope | None:
    """The scope ``role`` has for ``action``, or None when it may not do it at all."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    return POLICY[role].get(action)
