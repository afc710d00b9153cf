"""What proves who is asking, after the password: web sessions and API tokens.

Both are random tokens of 256 bits handed out once; the database keeps only their SHA-256,
so a copy of it signs no one in. A web session ends on sign-out, after ``session_hours``,
or after ``idle_minutes`` without a request; its CSRF token is stored with it and checked
on every form and HTMX call. An API token carries scopes (policy actions): a platform's
system gets ``notices.read`` and ``notices.answer``, not everything its role may do.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.domain.policy import ACTIONS, scope_of
from swordnet.services import audit
from swordnet.storage import models

TOKEN_PREFIX = "swn_"
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


class CredentialError(SwordNetError):
    """A token cannot be created as asked."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class WebSessionInfo:
    id: int
    user_id: int
    csrf_token: str
    second_factor: bool
    expires_at: datetime


def start_session(
    sessions: sessionmaker[Session],
    user_id: int,
    *,
    source: str,
    now: datetime,
    hours: float,
) -> tuple[str, str]:
    """A new web session for ``user_id``: returns (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with sessions() as session, session.begin():
        row = models.WebSession(
            token_sha256=token_digest(token),
            user_id=user_id,
            csrf_token=csrf,
            source=source[:100],
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        session.add(row)
    return token, csrf


def resolve_session(
    session: Session, token: str, *, now: datetime, idle: timedelta
) -> WebSessionInfo | None:
    """The live session of a cookie token, or None (unknown, ended, expired, idle)."""
    row = session.scalars(
        select(models.WebSession).where(models.WebSession.token_sha256 == token_digest(token))
    ).first()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > idle:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        session.execute(
            update(models.WebSession).where(models.WebSession.id == row.id).values(last_seen_at=now)
        )
        session.commit()
    return WebSessionInfo(
        row.id, row.user_id, row.csrf_token, row.second_factor_at is not None, row.expires_at
    )


def end_session(sessions: sessionmaker[Session], token: str, *, now: datetime) -> None:
    with sessions() as session, session.begin():
        row = session.scalars(
            select(models.WebSession).where(models.WebSession.token_sha256 == token_digest(token))
        ).first()
        if row is not None and row.ended_at is None:
            row.ended_at = now
            user = session.get(models.User, row.user_id)
            audit.record(
                session, user.username if user else "public", "logout", "user", row.user_id
            )


def mark_second_factor(sessions: sessionmaker[Session], session_id: int, *, now: datetime) -> None:
    with sessions() as session, session.begin():
        session.execute(
            update(models.WebSession)
            .where(models.WebSession.id == session_id)
            .values(second_factor_at=now)
        )


def end_sessions_of(session: Session, user_id: int, *, now: datetime) -> None:
    """End every session of a user (deactivated, password changed)."""
    session.execute(
        update(models.WebSession)
        .where(models.WebSession.user_id == user_id, models.WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


# --- API tokens -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenGrant:
    token_id: int
    user_id: int
    scopes: frozenset[str]


def create_token(
    sessions: sessionmaker[Session],
    user_id: int,
    *,
    name: str,
    scopes: list[str],
    actor: str,
    now: datetime,
    days: int | None = 365,
) -> tuple[int, str]:
    """A new API token for ``user_id``; returns (its id, the token, shown once).

    Each scope must be an action the user's role is granted."""
    name = name.strip()
    if not name or len(name) > 200:
        raise CredentialError("a token needs a name of 1 to 200 characters")
    if not scopes:
        raise CredentialError("a token needs at least one scope")
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secret}"
    with sessions() as session, session.begin():
        user = session.get(models.User, user_id)
        if user is None or not user.active:
            raise CredentialError(f"no active user {user_id}")
        unknown = sorted(s for s in scopes if s not in ACTIONS)
        if unknown:
            raise CredentialError(f"unknown scopes: {', '.join(unknown)}")
        denied = sorted(s for s in scopes if scope_of(user.role, s) is None)
        if denied:
            raise CredentialError(
                f"a {user.role.value} may not be given the scopes: {', '.join(denied)}"
            )
        row = models.ApiToken(
            user_id=user_id,
            name=name,
            prefix=prefix,
            token_sha256=token_digest(token),
            scopes=sorted(set(scopes)),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "token.created",
            "token",
            row.id,
            user_id=user_id,
            prefix=prefix,
            scopes=row.scopes,
        )
        return row.id, token


def resolve_token(session: Session, token: str, *, now: datetime) -> TokenGrant | None:
    """The grant of a presented API token, or None (unknown, revoked, expired)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalars(
        select(models.ApiToken).where(models.ApiToken.token_sha256 == token_digest(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        session.execute(
            update(models.ApiToken).where(models.ApiToken.id == row.id).values(last_used_at=now)
        )
        session.commit()
    return TokenGrant(row.id, row.user_id, frozenset(row.scopes))


def revoke_token(session: Session, token_id: int, *, actor: str, now: datetime) -> bool:
    row = session.get(models.ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    audit.record(session, actor, "token.revoked", "token", token_id, prefix=row.prefix)
    return True
