"""The second factor: time-based one-time codes (RFC 6238, ``pyotp``).

An officer's or administrator's first sign-in enrols: a secret is generated and shown
once as a QR code; the account is enrolled when the first code from it is accepted. A
code is accepted in its 30-second step or the one before or after (clock drift), and
only once: the step of the last accepted code is kept, so a code seen over a shoulder
cannot be replayed. Wrong codes count towards the same lock as wrong passwords.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.services import audit
from swordnet.services.accounts import FIRST_LOCK, FREE_FAILURES, LONGEST_LOCK
from swordnet.storage import models

STEP_SECONDS = 30


def pending_enrolment(session: Session, user_id: int) -> str | None:
    """The secret to show for enrolment, created if needed; None once enrolled."""
    user = session.get(models.User, user_id)
    if user is None or user.totp_enabled_at is not None:
        return None
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        session.commit()
    return user.totp_secret


def check(
    sessions: sessionmaker[Session], user_id: int, code: str, *, now: datetime, source: str
) -> bool:
    """Whether ``code`` is a fresh valid code of the user's secret; counted and audited."""
    code = "".join(ch for ch in code if ch.isdigit())
    with sessions() as session, session.begin():
        user = session.scalars(
            select(models.User).where(models.User.id == user_id).with_for_update()
        ).first()
        if user is None or user.totp_secret is None:
            return False
        if user.locked_until is not None and user.locked_until > now:
            audit.record(session, user.username, "totp.throttled", "user", user.id, source=source)
            return False
        step = _accepted_step(user.totp_secret, code, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            user.failed_logins += 1
            extra = user.failed_logins - FREE_FAILURES
            if extra >= 0:
                user.locked_until = now + min(FIRST_LOCK * (2**extra), LONGEST_LOCK)
            audit.record(
                session,
                user.username,
                "totp.failed",
                "user",
                user.id,
                source=source,
                reused=step is not None,
            )
            return False
        user.totp_last_step = step
        user.failed_logins, user.locked_until = 0, None
        if user.totp_enabled_at is None:
            user.totp_enabled_at = now
            audit.record(session, user.username, "totp.enrolled", "user", user.id, source=source)
        audit.record(session, user.username, "totp.succeeded", "user", user.id, source=source)
        return True


def _accepted_step(secret: str, code: str, now: datetime) -> int | None:
    if len(code) != 6:
        return None
    generator = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(generator.generate_otp(step), code):
            return step
    return None


def current_code(secret: str, now: datetime) -> str:
    """The code an authenticator app shows now (tests and the demo's printed accounts)."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).at(now)
