"""The access policy as data: who is granted what, with which scope, and the refusals.

The grant table below is the policy written out by hand: a change to ``domain.policy``
must change it too, so that every widening or narrowing of a role is a visible decision.
The rows each (kind, scope) rule reaches are tested on real databases in
``tests/integration/test_access_rules.py``."""

from __future__ import annotations

import pytest

from swordnet.domain.kinds import Role
from swordnet.domain.policy import ACTIONS, POLICY, SECOND_FACTOR_ROLES, Scope, scope_of
from swordnet.services.access import (
    ROW_MODELS,
    ROW_RULES,
    Forbidden,
    Principal,
    SecondFactorRequired,
    allowed,
    scope_for,
)

ROLES = (
    Role.ADMIN,
    Role.OFFICER,
    Role.REVIEWER,
    Role.PARTNER,
    Role.RIGHTS_HOLDER,
    Role.PLATFORM,
    Role.VIEWER,
)
_SCOPES = {
    "A": Scope.ALL,
    "R": Scope.REGION,
    "H": Scope.HOLDER,
    "P": Scope.PLATFORM,
    "F": Scope.REFERRED,
    "S": Scope.SELF,
    "-": None,
}

# action: its scope for admin, officer, reviewer, partner, rights holder, platform, viewer
# (A all, R region, H holder, P platform, F referred, S self, - refused)
GRANTS = {
    "dashboard.read": "A R R F H P R",
    "works.read": "A A A - H - A",
    "works.write": "A A - - H - -",
    "licenses.read": "A A A - H - -",
    "licenses.write": "A A - - H - -",
    "whitelist.read": "A A A - - - -",
    "whitelist.write": "A A - - - - -",
    "targets.read": "A R R - - - R",
    "targets.write": "A R - - - - -",
    "targets.run": "A R - - - - -",
    "detections.read": "A R R F H P R",
    "detections.review": "A R R - - - -",
    "notices.read": "A R R F H P R",
    "notices.write": "A R - - - - -",
    "notices.send": "A R - - - - -",
    "notices.answer": "A - - - - P -",
    "counter_notices.read": "A R R - H P -",
    "counter_notices.write": "A R - - H P -",
    "prewarning.read": "A A A - H P A",
    "prewarning.write": "A A - - - - -",
    "prewarning.acknowledge": "A - - - - P -",
    "cases.read": "A R - F H - R",
    "cases.write": "A R - - - - -",
    "referrals.read": "A R - F - - R",
    "referrals.answer": "A - - F - - -",
    "thresholds.read": "A A - A - - A",
    "thresholds.write": "A - - - - - -",
    "complaints.write": "A - - - H - -",
    "platforms.read": "A A A A - P A",
    "platforms.write": "A R - - - - -",
    "holders.read": "A A A - H - A",
    "holders.write": "A A - - H - -",
    "agencies.read": "A A - A - - -",
    "agencies.write": "A - - - - - -",
    "regions.read": "A A A A A A A",
    "regions.write": "A - - - - - -",
    "users.read": "A R - - - - -",
    "users.write": "A - - - - - -",
    "tokens.read": "A S - S S S -",
    "tokens.write": "A S - S S S -",
    "audit.read": "A R - - - - -",
}

# the kind of row each resource's actions reach (dashboard, complaints and thresholds reach none)
KIND_OF_RESOURCE = {
    "works": "work",
    "licenses": "license",
    "whitelist": "whitelist",
    "targets": "target",
    "detections": "detection",
    "notices": "notice",
    "counter_notices": "counter_notice",
    "prewarning": "prewarning_list",
    "cases": "case",
    "referrals": "referral",
    "platforms": "platform",
    "holders": "holder",
    "agencies": "agency",
    "regions": "region",
    "users": "user",
    "tokens": "token",
    "audit": "audit",
}


def test_every_role_is_in_the_policy_and_the_table() -> None:
    assert set(POLICY) == set(Role) == set(ROLES)
    assert list(GRANTS) == list(ACTIONS), "the table lists every action, in ACTIONS' order"


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_grant(role: Role, action: str) -> None:
    expected = _SCOPES[GRANTS[action].split()[ROLES.index(role)]]
    assert scope_of(role, action) == expected, f"{role.value} x {action}"


def test_an_unknown_action_is_an_error() -> None:
    with pytest.raises(KeyError):
        scope_of(Role.ADMIN, "detections.delete")


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_scoped_grant_has_a_row_rule(role: Role) -> None:
    """A scope other than ``all`` on a resource's action must say, in SQL, which rows of
    that resource it reaches; a gap would answer LookupError (a 500) at run time."""
    for action, scope in POLICY[role].items():
        kind = KIND_OF_RESOURCE.get(action.split(".")[0])
        if kind is None or scope is Scope.ALL:
            continue
        assert (kind, scope) in ROW_RULES, f"{role.value} {action}: no rule for {kind} {scope}"


def test_row_rules_name_known_kinds() -> None:
    assert {kind for kind, _ in ROW_RULES} <= set(ROW_MODELS)
    assert all(scope is not Scope.ALL for _, scope in ROW_RULES)


def _principal(role: Role, **kwargs: object) -> Principal:
    return Principal(user_id=1, username="someone", role=role, **kwargs)  # type: ignore[arg-type]


def test_a_refused_action_is_forbidden_with_the_reason() -> None:
    with pytest.raises(Forbidden) as refused:
        scope_for(_principal(Role.PLATFORM), "detections.review")
    assert refused.value.action == "detections.review"
    assert "platform" in str(refused.value)


@pytest.mark.parametrize("role", sorted(SECOND_FACTOR_ROLES), ids=lambda r: r.value)
def test_second_factor_roles_act_only_after_the_code(role: Role) -> None:
    with pytest.raises(SecondFactorRequired):
        scope_for(_principal(role), "regions.read")
    assert scope_for(_principal(role, second_factor=True), "regions.read") is Scope.ALL


def test_other_roles_need_no_second_factor() -> None:
    for role in set(Role) - SECOND_FACTOR_ROLES:
        assert scope_for(_principal(role), "regions.read") is Scope.ALL


def test_a_token_reaches_only_its_scopes_within_the_role() -> None:
    token = _principal(Role.PLATFORM, token_scopes=frozenset({"notices.read"}))
    assert scope_for(token, "notices.read") is Scope.PLATFORM
    with pytest.raises(Forbidden, match=r"scope 'notices\.answer'"):
        scope_for(token, "notices.answer")
    # a scope the role is not granted stays refused, whatever the token claims
    wide = _principal(Role.PLATFORM, token_scopes=frozenset({"users.write"}))
    assert not allowed(wide, "users.write")


def test_nationwide_is_the_root_region_only() -> None:
    assert _principal(Role.OFFICER, region_path="CN/").nationwide
    assert not _principal(Role.OFFICER, region_path="CN/440000/").nationwide
    assert not _principal(Role.OFFICER).nationwide
