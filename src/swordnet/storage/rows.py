"""Rows shared by many writers (rights holders, platforms), created once whoever comes first.

"Select, and insert when missing" loses to a concurrent writer: both see nothing, both
insert, and the loser's unique constraint fails its whole transaction. Here the insert
comes first and yields to an existing row (``INSERT ... ON CONFLICT DO NOTHING``, which
SQLite and PostgreSQL both understand), then the row is read: the database's unique
constraint decides, and every writer gets the one row.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from swordnet.storage.models.base import Base

Row = TypeVar("Row", bound=Base)


def get_or_insert(session: Session, model: type[Row], key: dict[str, Any], **values: Any) -> Row:
    """The row of ``model`` whose unique columns equal ``key``, inserted with ``values`` if
    no row has them yet. An existing row is returned as it is (``values`` are not applied).

    ``key`` must name the columns of one unique constraint: that constraint is the arbiter.
    """
    conditions = [getattr(model, column) == value for column, value in key.items()]
    found = session.scalars(select(model).where(*conditions)).first()
    if found is not None:  # the common case costs one read and no write
        return found
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, model.__table__)  # every model here maps one table
    statement = (
        insert(table)
        .values(**key, **values)
        .on_conflict_do_nothing(index_elements=[table.c[column] for column in key])
    )
    session.execute(statement)
    # Whoever inserted it, the row exists now and is visible to this statement: on
    # PostgreSQL the conflicting insert waited for the other transaction to commit.
    return session.scalars(select(model).where(*conditions)).one()
