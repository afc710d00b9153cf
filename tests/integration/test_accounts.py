"""Accounts: argon2id passwords, the first administrator, sign-in throttling, the audit.

Real SQLite and PostgreSQL; the CLI as a user runs it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.bootstrap import bootstrap
from swordnet.domain.kinds import Role
from swordnet.services import accounts
from swordnet.services.accounts import (
    FREE_FAILURES,
    AccountError,
    SignInRefused,
    SignInThrottled,
    create_user,
    sign_in,
)
from swordnet.settings import Settings
from swordnet.storage import models

Cli = Callable[..., subprocess.CompletedProcess[str]]  # the swordnet_cli fixture


def test_first_admin_gets_a_generated_password_once(
    database_url: str, tmp_path: Path, swordnet_cli: Cli
) -> None:
    home = tmp_path / "home"
    created = swordnet_cli(home, database_url, "users", "create-admin", "root-officer")
    assert created.returncode == 0, created.stderr
    password = created.stdout.strip()
    assert len(password) >= 20 and "shown only once" in created.stderr
    again = swordnet_cli(home, database_url, "users", "create-admin", "second")
    assert again.returncode == 2 and "an administrator exists already" in again.stderr
    container = bootstrap(Settings(home=home, database_url=database_url, workers=1))
    try:
        now = models.utcnow()
        signed = sign_in(container.sessions, "root-officer", password, source="test", now=now)
        assert signed.role is Role.ADMIN
        with container.sessions() as session:
            stored = session.scalars(select(models.User.password_hash)).one()
        assert stored is not None and stored.startswith("$argon2id$") and password not in stored
    finally:
        container.close()
    listed = swordnet_cli(home, database_url, "users", "list")
    assert "root-officer" in listed.stdout and password not in listed.stdout


def test_wrong_passwords_lock_the_account_and_are_audited(
    database_url: str, tmp_path: Path
) -> None:
    container = bootstrap(Settings(home=tmp_path / "home", database_url=database_url, workers=1))
    try:
        sessions = container.sessions
        create_user(sessions, "officer-li", Role.OFFICER, password="correct horse 12", actor="t")
        now = models.utcnow()
        for _ in range(FREE_FAILURES):
            with pytest.raises(SignInRefused):
                sign_in(sessions, "officer-li", "wrong password!!", source="10.0.0.9", now=now)
        # the right password does not open a locked account until the lock ends
        with pytest.raises(SignInThrottled) as locked:
            sign_in(sessions, "officer-li", "correct horse 12", source="10.0.0.9", now=now)
        assert locked.value.until - now == accounts.FIRST_LOCK
        later = locked.value.until + timedelta(seconds=1)
        signed = sign_in(sessions, "officer-li", "correct horse 12", source="10.0.0.9", now=later)
        assert signed.username == "officer-li"
        with pytest.raises(SignInRefused, match="wrong user name or password"):
            sign_in(sessions, "nobody", "whatever password", source="10.0.0.9", now=later)
        with container.sessions() as session:
            user = session.scalars(select(models.User)).one()
            assert user.failed_logins == 0 and user.locked_until is None
            actions = list(
                session.scalars(select(models.AuditEvent.action).order_by(models.AuditEvent.seq))
            )
        assert actions.count("login.failed") == FREE_FAILURES + 1
        assert actions.count("login.throttled") == 1 and actions.count("login.succeeded") == 1
    finally:
        container.close()


def test_short_passwords_and_taken_names_are_refused(tmp_path: Path) -> None:
    container = bootstrap(Settings(home=tmp_path / "home", workers=1))
    try:
        with pytest.raises(AccountError, match="at least 12 characters"):
            create_user(container.sessions, "a", Role.VIEWER, password="short", actor="t")
        create_user(container.sessions, "a", Role.VIEWER, password="long enough pw", actor="t")
        with pytest.raises(AccountError, match="exists already"):
            create_user(container.sessions, "a", Role.VIEWER, password="long enough pw", actor="t")
    finally:
        container.close()
