"""The crawl frontier, kept in the database so that a run survives a crash.

A URL moves from ``queued`` to a final state (``done``, ``failed``, ``refused``,
``skipped``) in the same transaction that stores its capture, extracted items and
detections. After ``kill -9`` the URLs that were in flight are still ``queued`` and
are fetched again on resume; nothing committed is repeated.

The statements go to the table through SQLAlchemy Core, not the ORM: the crawl runs
them for every batch of pages, and the ORM's bookkeeping cost more than the SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from swordnet.domain.urls import url_sha256
from swordnet.storage import models

QUEUED, DONE, FAILED, REFUSED, SKIPPED = "queued", "done", "failed", "refused", "skipped"
FINAL_STATES = (DONE, FAILED, REFUSED, SKIPPED)
_TABLE = cast(Table, models.FrontierUrl.__table__)


@dataclass(frozen=True, slots=True)
class FrontierEntry:
    id: int
    url: str
    depth: int
    attempts: int


def enqueue(
    session: Session,
    run_id: int,
    urls: Iterable[tuple[str, int]],
    *,
    state: str = QUEUED,
    errors: dict[str, str] | None = None,
) -> None:
    """Add URLs (with their depth) unless the run already has them.

    Skipped URLs are recorded too (``state`` ``skipped`` with the reason in ``errors``),
    so that every URL the crawl saw and did not fetch is explained.
    """
    rows = [
        {
            "run_id": run_id,
            "url": url,
            "url_sha256": url_sha256(url),
            "depth": depth,
            "state": state,
            "attempts": 0,
            "error": (errors or {}).get(url),
        }
        for url, depth in dict(urls).items()
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(_TABLE).on_conflict_do_nothing(index_elements=["run_id", "url_sha256"])
    session.connection().execute(statement, rows)  # one cached statement, many rows


def next_batch(
    session: Session, run_id: int, limit: int, exclude: set[int], now: datetime
) -> list[FrontierEntry]:
    """Queued URLs that are due, oldest first, leaving out those already in flight."""
    if limit <= 0:
        return []
    column = _TABLE.c
    query = (
        select(column.id, column.url, column.depth, column.attempts)
        .where(column.run_id == run_id, column.state == QUEUED)
        .where(or_(column.next_attempt_at.is_(None), column.next_attempt_at <= now))
        .order_by(column.depth, column.id)
        .limit(limit + len(exclude))
    )
    entries = [FrontierEntry(*row) for row in session.connection().execute(query)]
    return [entry for entry in entries if entry.id not in exclude][:limit]


def queued_count(session: Session, run_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                models.FrontierUrl.run_id == run_id, models.FrontierUrl.state == QUEUED
            )
        )
        or 0
    )


def finish_many(
    session: Session, entry_ids: list[int], state: str, error: str | None = None
) -> None:
    session.connection().execute(
        update(_TABLE).where(_TABLE.c.id.in_(entry_ids)).values(state=state, error=error)
    )


def retry_later(
    session: Session, entry: FrontierEntry, delay_s: float, error: str, now: datetime
) -> None:
    session.connection().execute(
        update(_TABLE)
        .where(_TABLE.c.id == entry.id)
        .values(
            attempts=entry.attempts + 1,
            error=error,
            next_attempt_at=now + timedelta(seconds=delay_s),
        )
    )
