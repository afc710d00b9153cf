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

Administration (``create_account``, ``update_account``, ``deactivate_account``,
``reset_password``, ``reset_totp``, ``link_oidc``) checks what a user belongs to against
``policy.MEMBERSHIP`` and ``policy.AGENCY_KINDS``. Its ``actor`` is either a ``Principal``
(the web app, the API: the target account must be one its ``users.write`` reaches) or a
name (the command line, run by whoever holds the database). Every change is audited under
the actor's name; what a change ends (sessions, tokens) is said in its answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import NotFoundError, SwordNetError
from swordnet.domain.kinds import Role
from swordnet.domain.policy import AGENCY_KINDS, MEMBERSHIP
from swordnet.services import audit, credentials
from swordnet.services.access import Principal, one_visible, scope_for, visible
from swordnet.services.paging import keyset_page
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
    username = _valid_username(username)
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
    agency_id: int | None = None
    region_code: str | None = None
    holder_id: int | None = None
    platform_id: int | None = None


def list_users(sessions: sessionmaker[Session]) -> list[UserSummary]:
    with sessions() as session:
        return [
            UserSummary(
                u.id,
                u.username,
                u.role,
                u.active,
                u.last_login_at,
                u.agency_id,
                u.region_code,
                u.holder_id,
                u.platform_id,
            )
            for u in session.scalars(select(models.User).order_by(models.User.id))
        ]


# --- administration: membership, changes, resets -------------------------------------

Actor = Principal | str  # a principal is held to the policy; a name (the CLI) is trusted


@dataclass(frozen=True, slots=True)
class Membership:
    """What a user belongs to: an agency (and a region within its own), a rights holder,
    or a platform; an administrator belongs to nothing."""

    agency_id: int | None = None
    region_code: str | None = None
    holder_id: int | None = None
    platform_id: int | None = None


@dataclass(frozen=True, slots=True)
class AccountChange:
    """What a change did beyond itself, said to the one who made it."""

    user_id: int
    sessions_ended: int = 0
    tokens_revoked: int = 0
    password: str | None = None  # a generated password, shown once


def _actor_name(actor: Actor) -> str:
    return actor.username if isinstance(actor, Principal) else actor


def _checked_membership(session: Session, role: Role, member: Membership) -> Membership:
    """``member`` completed (an agency's region by default) and checked against the
    policy; ``AccountError`` says what is wrong."""
    needs = MEMBERSHIP[role]
    given = {
        "agency": member.agency_id is not None,
        "holder": member.holder_id is not None,
        "platform": member.platform_id is not None,
    }
    stray = sorted(kind for kind, is_given in given.items() if is_given and kind != needs)
    if stray:
        raise AccountError(f"a {role.value} does not belong to a {' or '.join(stray)}")
    if needs is None:
        if member.region_code is not None:
            raise AccountError("an administrator has no region: it reaches every row")
        return Membership()
    if needs == "holder":
        if member.holder_id is None or session.get(models.RightsHolder, member.holder_id) is None:
            raise AccountError("a rights_holder account needs an existing rights holder")
        return _no_region(role, member)
    if needs == "platform":
        if member.platform_id is None or session.get(models.Platform, member.platform_id) is None:
            raise AccountError("a platform account needs an existing platform")
        return _no_region(role, member)
    agency = session.get(models.Agency, member.agency_id) if member.agency_id else None
    if agency is None:
        raise AccountError(f"a {role.value} needs an existing agency")
    kinds = AGENCY_KINDS[role]
    if agency.kind not in kinds:
        wanted = ", ".join(sorted(k.value for k in kinds))
        raise AccountError(
            f"a {role.value} belongs to an agency of kind {wanted}; "
            f"{agency.name} is a {agency.kind.value} agency"
        )
    code = member.region_code or agency.region_code
    region = session.get(models.Region, code)
    home = session.get(models.Region, agency.region_code)
    if region is None or home is None:
        raise AccountError(f"no region {code}")
    if not region.path.startswith(home.path):
        raise AccountError(
            f"region {code} is not within the agency's region {agency.region_code}: "
            "a user reaches its agency's region or part of it"
        )
    return Membership(agency_id=agency.id, region_code=code)


def _no_region(role: Role, member: Membership) -> Membership:
    if member.region_code is not None:
        raise AccountError(f"a {role.value} has no region; its party bounds what it sees")
    return member


def _target(session: Session, actor: Actor, user_id: int, action: str) -> models.User:
    if isinstance(actor, Principal):
        user: models.User = one_visible(session, actor, action, "user", user_id)
        return user
    found = session.get(models.User, user_id)
    if found is None:
        raise NotFoundError(f"no user {user_id}")
    return found


def _valid_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("a user name is 1 to 100 characters with no spaces")
    return username


def user_id_by_name(sessions: sessionmaker[Session], username: str) -> int:
    with sessions() as session:
        found = session.scalar(select(models.User.id).where(models.User.username == username))
    if found is None:
        raise NotFoundError(f"no user named {username!r}")
    return int(found)


def create_account(
    sessions: sessionmaker[Session],
    username: str,
    role: Role,
    member: Membership,
    *,
    actor: Actor,
    display_name: str | None = None,
    email: str | None = None,
) -> AccountChange:
    """A new account of ``role`` belonging to ``member``; its generated password is in
    the answer, to be shown once."""
    username = _valid_username(username)
    password = generated_password()
    password_hash = hash_password(password)
    try:
        with sessions() as session, session.begin():
            if isinstance(actor, Principal):
                scope_for(actor, "users.write")  # Forbidden when not granted at all
            checked = _checked_membership(session, role, member)
            user = models.User(
                username=username,
                role=role,
                password_hash=password_hash,
                display_name=display_name,
                email=email,
                agency_id=checked.agency_id,
                region_code=checked.region_code,
                holder_id=checked.holder_id,
                platform_id=checked.platform_id,
            )
            session.add(user)
            session.flush()
            if isinstance(actor, Principal):  # the new account must be one the actor reaches
                one_visible(session, actor, "users.write", "user", user.id)
            audit.record(
                session,
                _actor_name(actor),
                "user.created",
                "user",
                user.id,
                username=username,
                role=role.value,
                **_membership_data(checked),
            )
            return AccountChange(user.id, password=password)
    except IntegrityError:
        raise AccountError(f"a user named {username!r} exists already") from None


def _membership_data(member: Membership) -> dict[str, object]:
    return {
        key: value
        for key, value in (
            ("agency_id", member.agency_id),
            ("region_code", member.region_code),
            ("holder_id", member.holder_id),
            ("platform_id", member.platform_id),
        )
        if value is not None
    }


def update_account(
    sessions: sessionmaker[Session],
    user_id: int,
    *,
    actor: Actor,
    now: datetime,
    role: Role | None = None,
    member: Membership | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> AccountChange:
    """Change a user's role, membership, name or e-mail. A new role keeps the account's
    sessions (every request reads the role afresh) but revokes its API tokens that hold a
    scope the new role is not granted: the answer counts them."""
    with sessions() as session, session.begin():
        user = _target(session, actor, user_id, "users.write")
        new_role = role or user.role
        current = Membership(user.agency_id, user.region_code, user.holder_id, user.platform_id)
        checked = _checked_membership(session, new_role, member or current)
        changes: dict[str, object] = {}
        for field_name, value in (
            ("role", new_role),
            ("agency_id", checked.agency_id),
            ("region_code", checked.region_code),
            ("holder_id", checked.holder_id),
            ("platform_id", checked.platform_id),
            ("display_name", user.display_name if display_name is None else display_name or None),
            ("email", user.email if email is None else email or None),
        ):
            if getattr(user, field_name) != value:
                changes[field_name] = getattr(value, "value", value)
                setattr(user, field_name, value)
        revoked = 0
        if "role" in changes:
            revoked = credentials.revoke_tokens_of(
                session, user.id, actor=_actor_name(actor), now=now, keep_granted_to=new_role
            )
        if changes:
            audit.record(
                session,
                _actor_name(actor),
                "user.changed",
                "user",
                user.id,
                tokens_revoked=revoked,
                **changes,
            )
        return AccountChange(user.id, tokens_revoked=revoked)


def deactivate_account(
    sessions: sessionmaker[Session], user_id: int, *, actor: Actor, now: datetime
) -> AccountChange:
    """Nobody signs in as the user any more: its sessions end and its API tokens are
    revoked (the answer counts both). Its records and audit events stay."""
    with sessions() as session, session.begin():
        user = _target(session, actor, user_id, "users.write")
        if isinstance(actor, Principal) and actor.user_id == user.id:
            raise AccountError("you cannot deactivate your own account")
        if not user.active:
            return AccountChange(user.id)
        user.active = False
        ended = credentials.end_sessions_of(session, user.id, now=now)
        revoked = credentials.revoke_tokens_of(session, user.id, actor=_actor_name(actor), now=now)
        audit.record(
            session,
            _actor_name(actor),
            "user.deactivated",
            "user",
            user.id,
            sessions_ended=ended,
            tokens_revoked=revoked,
        )
        return AccountChange(user.id, sessions_ended=ended, tokens_revoked=revoked)


def reactivate_account(
    sessions: sessionmaker[Session], user_id: int, *, actor: Actor
) -> AccountChange:
    """The user may sign in again (with a password reset if it was forgotten); tokens
    revoked on deactivation stay revoked."""
    with sessions() as session, session.begin():
        user = _target(session, actor, user_id, "users.write")
        if not user.active:
            user.active = True
            user.failed_logins, user.locked_until = 0, None
            audit.record(session, _actor_name(actor), "user.reactivated", "user", user.id)
        return AccountChange(user.id)


def reset_password(
    sessions: sessionmaker[Session], user_id: int, *, actor: Actor, now: datetime
) -> AccountChange:
    """A new generated password (in the answer, shown once); the user's sessions end and
    the lock is lifted. API tokens stay: they do not depend on the password."""
    password = generated_password()
    password_hash = hash_password(password)
    with sessions() as session, session.begin():
        user = _target(session, actor, user_id, "users.write")
        user.password_hash = password_hash
        user.failed_logins, user.locked_until = 0, None
        ended = credentials.end_sessions_of(session, user.id, now=now)
        audit.record(
            session, _actor_name(actor), "password.reset", "user", user.id, sessions_ended=ended
        )
        return AccountChange(user.id, sessions_ended=ended, password=password)


def reset_totp(
    sessions: sessionmaker[Session], user_id: int, *, actor: Actor, now: datetime
) -> AccountChange:
    """Forget the user's authenticator (lost phone): the next sign-in enrols a new one.
    Sessions end, since their second factor was checked against the old one."""
    with sessions() as session, session.begin():
        user = _target(session, actor, user_id, "users.write")
        user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
        ended = credentials.end_sessions_of(session, user.id, now=now)
        audit.record(
            session, _actor_name(actor), "totp.reset", "user", user.id, sessions_ended=ended
        )
        return AccountChange(user.id, sessions_ended=ended)


def link_oidc(
    sessions: sessionmaker[Session], user_id: int, subject: str | None, *, actor: Actor
) -> AccountChange:
    """Let the user sign in through OpenID Connect as ``subject`` ("<issuer>|<sub>"), or
    unlink with None."""
    subject = subject.strip() if subject else None
    if subject is not None and ("|" not in subject or len(subject) > 300):
        raise AccountError('an OpenID Connect subject is "<issuer>|<sub>", at most 300 characters')
    try:
        with sessions() as session, session.begin():
            user = _target(session, actor, user_id, "users.write")
            if user.oidc_subject != subject:
                user.oidc_subject = subject
                audit.record(
                    session,
                    _actor_name(actor),
                    "user.oidc_linked",
                    "user",
                    user.id,
                    subject=subject,
                )
            return AccountChange(user.id)
    except IntegrityError:
        raise AccountError("another account is linked to that subject already") from None


def change_own_password(
    sessions: sessionmaker[Session],
    principal: Principal,
    current: str,
    new: str,
    *,
    keep_session_id: int | None,
    now: datetime,
) -> AccountChange:
    """The user changes its password, proving the current one; every other session of
    theirs ends (a thief's included), the one in use stays."""
    password_hash = hash_password(new)
    with sessions() as session, session.begin():
        user = session.get(models.User, principal.user_id)
        if user is None or user.password_hash is None or not _verify(user.password_hash, current):
            raise AccountError("the current password is not right")
        user.password_hash = password_hash
        ended = credentials.end_sessions_of(session, user.id, now=now, keep=keep_session_id)
        audit.record(
            session, user.username, "password.changed", "user", user.id, sessions_ended=ended
        )
        return AccountChange(user.id, sessions_ended=ended)


def set_language(
    sessions: sessionmaker[Session], principal: Principal, language: str | None
) -> None:
    with sessions() as session, session.begin():
        user = session.get(models.User, principal.user_id)
        if user is not None and user.language != language:
            user.language = language
            audit.record(
                session, user.username, "user.language", "user", user.id, language=language
            )


def accounts_query(
    principal: Principal,
    *,
    role: Role | None = None,
    text: str | None = None,
    active: bool | None = None,
) -> Select[tuple[models.User]]:
    """The accounts ``principal`` may see (``users.read``), filtered; ordered by the caller."""
    stmt = visible(select(models.User), principal, "users.read", "user")
    if role is not None:
        stmt = stmt.where(models.User.role == role)
    if active is not None:
        stmt = stmt.where(models.User.active.is_(active))
    if text:
        pattern = f"%{text.strip()}%"
        stmt = stmt.where(
            or_(
                models.User.username.ilike(pattern),
                models.User.display_name.ilike(pattern),
                models.User.email.ilike(pattern),
            )
        )
    return stmt


def accounts_page(
    session: Session,
    principal: Principal,
    *,
    role: Role | None = None,
    text: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> tuple[list[models.User], int | None]:
    stmt = accounts_query(principal, role=role, text=text)
    return keyset_page(session, stmt, models.User.id, after=after, limit=limit)


def get_account(session: Session, principal: Principal, user_id: int) -> models.User:
    user: models.User = one_visible(session, principal, "users.read", "user", user_id)
    return user


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    name: str
    detail: str = ""  # an agency's kind and region


@dataclass(frozen=True, slots=True)
class MembershipChoices:
    agencies: list[Choice]
    holders: list[Choice]
    platforms: list[Choice]


def membership_choices(session: Session) -> MembershipChoices:
    """What an account may belong to, for the administrator's form."""
    return MembershipChoices(
        agencies=[
            Choice(a.id, a.name, f"{a.kind.value} · {a.region_code}")
            for a in session.scalars(select(models.Agency).order_by(models.Agency.name))
        ],
        holders=[
            Choice(h.id, h.name)
            for h in session.scalars(select(models.RightsHolder).order_by(models.RightsHolder.name))
        ],
        platforms=[
            Choice(p.id, p.name, p.domain)
            for p in session.scalars(select(models.Platform).order_by(models.Platform.name))
        ],
    )
