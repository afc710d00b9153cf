"""Accounts: who may sign in, with what password, and how guessing is slowed down.

Passwords are hashed with argon2id (``argon2-cffi``, RFC 9106's parameters as the library
sets them) and re-hashed on the next sign-in when those parameters change. There are no
default accounts: the first administrator is created by ``swordnet users create-admin``,
which prints a generated password once. Every sign-in, failed or not, goes to the audit
trail with where it came from.

Throttling is per account and kept in the database, so it holds across processes and
restarts: after ``FREE_FAILURES`` wrong passwords in a row an account is locked for 30 s,
doubling with every further failure up to 15 minutes; a success resets it. A name that
does not exist costs the same hash as one that does, so timing does not tell them apart.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import Role
from swordnet.services import audit
from swordnet.storage import models

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 12
_HASHER = PasswordHasher()
# verified against when the name is unknown, so that a miss costs what a hit costs
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(SwordNetError):
    """An account cannot be created or changed as asked."""


class SignInRefused(SwordNetError):  # noqa: N818 - the refusal is the point, not an error
    """Wrong name or password (which of the two is not said), or an inactive account."""


class SignInThrottled(SwordNetError):  # noqa: N818
    """Too many wrong passwords: the account is locked until ``until``."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True, slots=True)
class SignedIn:
    user_id: int
    username: str
    role: Role


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _HASHER.hash(password)


def generated_password() -> str:
    """A password to hand over once: 120 bits from the system's random source."""
    return secrets.token_urlsafe(15)


def create_user(
    sessions: sessionmaker[Session],
    username: str,
    role: Role,
    *,
    password: str,
    actor: str,
    display_name: str | None = None,
    email: str | None = None,
) -> int:
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("a user name is 1 to 100 characters with no spaces")
    password_hash = hash_password(password)
    try:
        with sessions() as session, session.begin():
            user = models.User(
                username=username,
                role=role,
                password_hash=password_hash,
                display_name=display_name,
                email=email,
            )
            session.add(user)
            session.flush()
            audit.record(
                session, actor, "user.created", "user", user.id, username=username, role=role.value
            )
            return user.id
    except IntegrityError:
        raise AccountError(f"a user named {username!r} exists already") from None


def create_first_admin(sessions: sessionmaker[Session], username: str, *, actor: str) -> str:
    """Create the first administrator and return its generated password (shown once).

    Refused when an administrator exists: further accounts are created by one."""
    with sessions() as session:
        existing = session.scalar(
            select(func.count()).select_from(models.User).where(models.User.role == Role.ADMIN)
        )
    if existing:
        raise AccountError(
            "an administrator exists already; further accounts are created by an administrator"
        )
    password = generated_password()
    create_user(sessions, username, Role.ADMIN, password=password, actor=actor)
    return password


def sign_in(
    sessions: sessionmaker[Session],
    username: str,
    password: str,
    *,
    source: str,
    now: datetime,
) -> SignedIn:
    """Check a name and password; ``source`` (an address, "cli") goes to the audit trail.

    A failure is committed (counted, locked, audited) before it is raised."""
    refusal: SignInRefused | SignInThrottled | None = None
    with sessions() as session, session.begin():
        user = session.scalars(
            select(models.User).where(models.User.username == username).with_for_update()
        ).first()
        if user is None or user.password_hash is None:
            _verify(_DUMMY_HASH, password)
            audit.record(
                session, "public", "login.failed", None, None, username=username, source=source
            )
            refusal = SignInRefused("wrong user name or password")
        elif user.locked_until is not None and user.locked_until > now:
            audit.record(session, "public", "login.throttled", "user", user.id, source=source)
            refusal = SignInThrottled(
                f"too many wrong passwords: try again after {user.locked_until:%H:%M:%S} UTC",
                user.locked_until,
            )
        elif not _verify(user.password_hash, password) or not user.active:
            user.failed_logins += 1
            extra = user.failed_logins - FREE_FAILURES
            if extra >= 0:
                user.locked_until = now + min(FIRST_LOCK * (2**extra), LONGEST_LOCK)
            audit.record(
                session,
                "public",
                "login.failed",
                "user",
                user.id,
                source=source,
                failures=user.failed_logins,
            )
            refusal = SignInRefused("wrong user name or password")
        else:
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            audit.record(session, user.username, "login.succeeded", "user", user.id, source=source)
            signed_in = SignedIn(user.id, user.username, user.role)
    if refusal is not None:
        raise refusal
    return signed_in


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: int
    username: str
    role: Role
    active: bool
    last_login_at: datetime | None


def list_users(sessions: sessionmaker[Session]) -> list[UserSummary]:
    with sessions() as session:
        return [
            UserSummary(u.id, u.username, u.role, u.active, u.last_login_at)
            for u in session.scalars(select(models.User).order_by(models.User.id))
        ]
