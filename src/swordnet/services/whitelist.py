"""The white list: sites whose uses are authorised (e.g. licensed news reprinters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.services import audit
from swordnet.services.enforcement.authorisation import Added, redecide_detections
from swordnet.storage import models


@dataclass(frozen=True)
class WhiteListing:
    domain: str  # a host name or *.example.com
    name: str | None = None
    scope: str = "all"  # or a work kind (news_article...)
    reason: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True)
class WhiteListedSite:
    id: int
    entry: WhiteListing


def add_to_whitelist(sessions: sessionmaker[Session], entry: WhiteListing, *, actor: str) -> Added:
    """Store a white-list entry and its audit event in one transaction, and decide again
    the unnoticed detections (those on the site become authorised)."""
    with sessions() as session, session.begin():
        record = models.WhiteListEntry(
            domain=entry.domain,
            name=entry.name,
            scope=entry.scope,
            reason=entry.reason,
            starts_on=entry.starts_on,
            ends_on=entry.ends_on,
        )
        session.add(record)
        session.flush()
        audit.record(
            session,
            actor,
            "whitelist.added",
            "whitelist_entry",
            record.id,
            domain=entry.domain,
            scope=entry.scope,
        )
        redecided = redecide_detections(session, actor=actor, now=models.utcnow())
        return Added(record.id, len(redecided.authorised))


def list_whitelist(sessions: sessionmaker[Session]) -> list[WhiteListedSite]:
    with sessions() as session:
        query = select(models.WhiteListEntry).order_by(models.WhiteListEntry.id)
        return [
            WhiteListedSite(
                e.id,
                WhiteListing(e.domain, e.name, e.scope, e.reason, e.starts_on, e.ends_on),
            )
            for e in session.scalars(query)
        ]
