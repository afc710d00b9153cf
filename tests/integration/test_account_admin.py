# ruff: noqa: F811 - the campaign fixture is imported from tests/web and named as a parameter
"""Accounts administration as services and through the CLI: memberships checked against
the policy, what deactivation and resets end, tokens on a change of role, the audit search."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.web.conftest import SHENZHEN, ZHEJIANG, Campaign, campaign  # noqa: F401 - fixture

from swordnet.bootstrap import Container, bootstrap
from swordnet.domain.kinds import Role
from swordnet.services import accounts, audit_log, credentials
from swordnet.services.access import Forbidden, NotVisible, load_principal
from swordnet.services.accounts import AccountError, Membership
from swordnet.settings import Settings

Cli = Callable[..., subprocess.CompletedProcess[str]]
NOW = datetime.now(UTC)


def _create(container: Container, name: str, role: Role, member: Membership) -> int:
    return accounts.create_account(container.sessions, name, role, member, actor="test").user_id


def test_memberships_follow_the_policy(container: Container, campaign: Campaign) -> None:
    gd, police = campaign.agencies["gd"], campaign.agencies["police"]
    refusals = [
        (Role.OFFICER, Membership(agency_id=police)),  # not a copyright agency
        (Role.PARTNER, Membership(agency_id=gd)),  # a partner is not the copyright bureau
        (Role.OFFICER, Membership(agency_id=gd, region_code=ZHEJIANG)),  # outside its agency
        (Role.OFFICER, Membership()),  # belongs to nothing
        (Role.RIGHTS_HOLDER, Membership(agency_id=gd)),
        (Role.PLATFORM, Membership(platform_id=9999)),
        (Role.ADMIN, Membership(region_code="CN")),
        (Role.VIEWER, Membership(agency_id=gd, holder_id=campaign.holders["star"])),
    ]
    for index, (role, member) in enumerate(refusals):
        with pytest.raises(AccountError):
            _create(container, f"refused{index}", role, member)
    officer = _create(container, "sz", Role.OFFICER, Membership(agency_id=gd, region_code=SHENZHEN))
    partner = _create(container, "cop", Role.PARTNER, Membership(agency_id=police))
    with container.sessions() as session:
        sz, cop = load_principal(session, officer), load_principal(session, partner)
    assert sz is not None and sz.region_code == SHENZHEN and sz.agency_id == gd
    assert cop is not None and cop.region_code == "440000"  # the agency's, by default


def test_deactivation_ends_sessions_revokes_tokens_and_refuses_sign_in(
    container: Container, campaign: Campaign
) -> None:
    person = campaign.people["platform"]
    credentials.start_session(container.sessions, person.user_id, source="t", now=NOW, hours=1)
    credentials.create_token(
        container.sessions, person.user_id, name="x", scopes=["notices.read"], actor="t", now=NOW
    )
    done = accounts.deactivate_account(container.sessions, person.user_id, actor="test", now=NOW)
    assert (done.sessions_ended, done.tokens_revoked) == (1, 1)
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(container.sessions, person.username, person.password, source="t", now=NOW)


def test_a_new_role_revokes_only_the_tokens_it_no_longer_covers(
    container: Container, campaign: Campaign
) -> None:
    person = campaign.people["police"]
    for scope in ("platforms.read", "agencies.read"):
        credentials.create_token(
            container.sessions, person.user_id, name=scope, scopes=[scope], actor="t", now=NOW
        )
    changed = accounts.update_account(
        container.sessions,
        person.user_id,
        actor="test",
        now=NOW,
        role=Role.VIEWER,
        member=Membership(agency_id=campaign.agencies["gd"]),
    )
    assert changed.tokens_revoked == 1  # a viewer reads platforms, not agencies


def test_an_officer_may_not_administer_accounts(container: Container, campaign: Campaign) -> None:
    with container.sessions() as session:
        officer = load_principal(session, campaign.people["guangdong"].user_id, second_factor=True)
        admin = load_principal(session, campaign.people["admin"].user_id, second_factor=True)
    assert officer is not None and admin is not None
    with pytest.raises(Forbidden):
        accounts.reset_password(
            container.sessions, campaign.people["viewer_gd"].user_id, actor=officer, now=NOW
        )
    with pytest.raises(NotVisible):
        accounts.reset_password(container.sessions, 424242, actor=admin, now=NOW)
    with pytest.raises(AccountError):
        accounts.deactivate_account(container.sessions, admin.user_id, actor=admin, now=NOW)


def test_the_audit_search_filters_and_scopes(container: Container, campaign: Campaign) -> None:
    for name in ("zhejiang", "reviewer_gd"):
        person = campaign.people[name]
        accounts.sign_in(container.sessions, name, person.password, source="t", now=NOW)
    with container.sessions() as session:
        officer = load_principal(session, campaign.people["guangdong"].user_id, second_factor=True)
        assert officer is not None
        seen, _ = audit_log.search_page(
            session, officer, audit_log.AuditFilters(action="login."), after=None, limit=50
        )
    assert {e.actor for e in seen} == {"reviewer_gd"}


@pytest.mark.slow
def test_the_command_line_administers_accounts(tmp_path: Path, swordnet_cli: Cli) -> None:
    home, url = tmp_path / "home", f"sqlite:///{tmp_path / 'cli.db'}"
    assert swordnet_cli(home, url, "users", "create-admin", "root").returncode == 0
    created = swordnet_cli(home, url, "users", "create", "pf", "--role", "platform")
    assert created.returncode == 2 and "platform account needs" in created.stderr
    container = bootstrap(Settings(home=home, database_url=url, workers=1))
    try:
        from swordnet.storage import models

        with container.sessions() as session, session.begin():
            session.add(models.Platform(name="v", domain="v.example"))
    finally:
        container.close()
    created = swordnet_cli(
        home, url, "users", "create", "pf", "--role", "platform", "--platform", "1"
    )
    assert created.returncode == 0, created.stderr
    password = created.stdout.strip()
    assert len(password) >= 20 and "shown only once" in created.stderr
    token = swordnet_cli(home, url, "users", "token", "create", "pf", "--scope", "notices.read")
    assert token.returncode == 0 and token.stdout.startswith("swn_")
    wide = swordnet_cli(home, url, "users", "token", "create", "pf", "--scope", "users.write")
    assert wide.returncode == 2 and "may not be given" in wide.stderr
    reset = swordnet_cli(home, url, "users", "reset-password", "pf")
    assert reset.returncode == 0 and reset.stdout.strip() not in ("", password)
    assert swordnet_cli(home, url, "users", "reset-totp", "pf").returncode == 0
    off = swordnet_cli(home, url, "users", "deactivate", "pf")
    assert off.returncode == 0 and "1 API token(s) revoked" in off.stderr
    listed = swordnet_cli(home, url, "users", "list")
    assert "platform 1" in listed.stdout and password not in listed.stdout
    assert swordnet_cli(home, url, "users", "deactivate", "nobody").returncode == 2
