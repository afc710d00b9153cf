"""Searching the audit trail: who did what, to which record, when.

``audit_query`` builds the search as one query scoped by the policy (``audit.read``: an
administrator every event; an officer the events of users of its region and below), so a
page of results is a page the caller may see. Free text is matched against the event's
data as stored (its JSON text). Whether the chain itself is intact is
``services.database.verify_audit_trail``'s question, not this module's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.orm import Session

from swordnet.domain.policy import Scope
from swordnet.services.access import Principal, scope_for, visible
from swordnet.services.paging import keyset_page
from swordnet.storage import models
from swordnet.storage.models.base import utcnow


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str | None = None  # exact user name ("system", "public" too)
    action: str | None = None  # exact ("user.created") or a prefix ending in "." ("user.")
    entity: str | None = None  # kind of record: "user", "notice", ...
    entity_id: int | None = None
    since: date | None = None  # from the start of this day (UTC)
    until: date | None = None  # to the end of this day (UTC)
    text: str | None = None  # anywhere in the event's data

    @property
    def active(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in self.__slots__)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


def audit_query(principal: Principal, filters: AuditFilters) -> Select[Any]:
    """The events ``principal`` may read that match ``filters``; ordered by the caller."""
    event = models.AuditEvent
    stmt = visible(select(event), principal, "audit.read", "audit")
    if filters.actor:
        stmt = stmt.where(event.actor == filters.actor.strip())
    if filters.action:
        action = filters.action.strip()
        if action.endswith("."):
            stmt = stmt.where(event.action.startswith(action, autoescape=True))
        else:
            stmt = stmt.where(event.action == action)
    if filters.entity:
        stmt = stmt.where(event.entity == filters.entity.strip())
    if filters.entity_id is not None:
        stmt = stmt.where(event.entity_id == filters.entity_id)
    if filters.since is not None:
        stmt = stmt.where(event.at >= _day_start(filters.since))
    if filters.until is not None:
        stmt = stmt.where(event.at < _day_start(filters.until + timedelta(days=1)))
    if filters.text:
        text = filters.text.strip()
        stored = cast(event.data, String)
        # SQLite keeps JSON as json.dumps wrote it (non-ASCII escaped); PostgreSQL does not
        escaped = json.dumps(text)[1:-1]
        stmt = stmt.where(
            or_(stored.contains(text, autoescape=True), stored.contains(escaped, autoescape=True))
        )
    return stmt


def search_page(
    session: Session,
    principal: Principal,
    filters: AuditFilters,
    *,
    after: int | None,
    limit: int,
) -> tuple[list[models.AuditEvent], int | None]:
    """One page of matching events, newest first, and the id to continue after (None on
    the last page). Keyset: the 1,000th page costs what the first does."""
    return keyset_page(
        session, audit_query(principal, filters), models.AuditEvent.id, after=after, limit=limit
    )


def may_verify_chain(principal: Principal) -> bool:
    """Only a reader of the whole trail can judge the whole chain."""
    return scope_for(principal, "audit.read") is Scope.ALL
