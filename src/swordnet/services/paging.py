"""Keyset pages for the web pages: newest first, continued after the last id seen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session


def keyset_page(
    session: Session, stmt: Select[Any], id_column: Any, *, after: int | None, limit: int
) -> tuple[list[Any], int | None]:
    """One page of ``stmt`` (already scoped to the caller) and the id to continue after,
    None on the last page. Nothing is counted or skipped: every page costs the same."""
    if after is not None:
        stmt = stmt.where(id_column < after)
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    following = int(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], following
