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
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import Role
from swordnet.domain.policy import ACTIONS, POLICY, scope_of
from swordnet.services import audit
from swordnet.services.access import Principal, one_visible, scope_for, visible
from swordnet.services.paging import keyset_page
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


def end_sessions_of(
    session: Session, user_id: int, *, now: datetime, keep: int | None = None
) -> int:
    """End every live session of a user but ``keep`` (deactivated, password changed);
    returns how many ended."""
    stmt = update(models.WebSession).where(
        models.WebSession.user_id == user_id,
        models.WebSession.ended_at.is_(None),
        models.WebSession.expires_at > now,
    )
    if keep is not None:
        stmt = stmt.where(models.WebSession.id != keep)
    result = session.execute(stmt.values(ended_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


def end_other_sessions(
    sessions: sessionmaker[Session], principal: Principal, *, keep: int | None, now: datetime
) -> int:
    """ "Sign out everywhere else": every session of the caller but this one ends."""
    with sessions() as session, session.begin():
        ended = end_sessions_of(session, principal.user_id, now=now, keep=keep)
        audit.record(
            session,
            principal.username,
            "sessions.ended",
            "user",
            principal.user_id,
            sessions_ended=ended,
        )
        return ended


def live_sessions(session: Session, user_id: int, *, now: datetime) -> list[models.WebSession]:
    """The user's sessions that have not ended or expired, newest first."""
    return list(
        session.scalars(
            select(models.WebSession)
            .where(
                models.WebSession.user_id == user_id,
                models.WebSession.ended_at.is_(None),
                models.WebSession.expires_at > now,
            )
            .order_by(models.WebSession.id.desc())
        )
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


def grantable_scopes(principal: Principal) -> list[str]:
    """The scopes ``principal`` may give a new token: the actions its role is granted,
    and no more than the token it is using holds (a token cannot mint a wider one)."""
    granted = sorted(POLICY[principal.role])
    if principal.token_scopes is not None:
        granted = [action for action in granted if action in principal.token_scopes]
    return granted


def create_own_token(
    sessions: sessionmaker[Session],
    principal: Principal,
    *,
    name: str,
    scopes: list[str],
    now: datetime,
    days: int | None = 365,
) -> tuple[int, str]:
    """A token for the caller itself (``tokens.write``), within ``grantable_scopes``."""
    scope_for(principal, "tokens.write")
    if principal.token_scopes is not None:
        wider = sorted(set(scopes) - principal.token_scopes)
        if wider:
            raise CredentialError(
                f"a token cannot create one with scopes it does not hold: {', '.join(wider)}"
            )
    return create_token(
        sessions,
        principal.user_id,
        name=name,
        scopes=scopes,
        actor=principal.username,
        now=now,
        days=days,
    )


def tokens_query(principal: Principal, *, user_id: int | None = None) -> Select[Any]:
    """The API tokens ``principal`` may see (its own; an administrator every one)."""
    stmt = visible(select(models.ApiToken), principal, "tokens.read", "token")
    if user_id is not None:
        stmt = stmt.where(models.ApiToken.user_id == user_id)
    return stmt


def tokens_page(
    session: Session, principal: Principal, *, after: int | None, limit: int
) -> tuple[list[models.ApiToken], int | None]:
    return keyset_page(
        session, tokens_query(principal), models.ApiToken.id, after=after, limit=limit
    )


def revoke_visible_token(
    sessions: sessionmaker[Session], principal: Principal, token_id: int, *, now: datetime
) -> bool:
    """Revoke a token ``tokens.write`` reaches (``NotVisible`` otherwise); False when it
    was revoked already."""
    with sessions() as session, session.begin():
        one_visible(session, principal, "tokens.write", "token", token_id)
        return revoke_token(session, token_id, actor=principal.username, now=now)


def revoke_tokens_of(
    session: Session,
    user_id: int,
    *,
    actor: str,
    now: datetime,
    keep_granted_to: Role | None = None,
) -> int:
    """Revoke a user's live tokens (all of them, or those holding a scope that
    ``keep_granted_to`` is not granted); returns how many."""
    revoked = 0
    live = session.scalars(
        select(models.ApiToken).where(
            models.ApiToken.user_id == user_id, models.ApiToken.revoked_at.is_(None)
        )
    )
    for row in list(live):
        if keep_granted_to is not None and all(
            scope_of(keep_granted_to, scope) is not None for scope in row.scopes
        ):
            continue
        revoked += revoke_token(session, row.id, actor=actor, now=now)
    return revoked


def revoke_token(session: Session, token_id: int, *, actor: str, now: datetime) -> bool:
    row = session.get(models.ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    audit.record(session, actor, "token.revoked", "token", token_id, prefix=row.prefix)
    return True
