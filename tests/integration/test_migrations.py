"""The schema migrates up, down and up again on SQLite and PostgreSQL, with no drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from swordnet.storage import models
from swordnet.storage.db import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)


def test_up_down_up_without_drift(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert set(models.Base.metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    command.check(alembic_config(engine))  # raises when models and migrations differ
    engine.dispose()


def test_audit_trail_refuses_update_and_delete(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_event (seq, at, actor, action, data, prev_hash, hash) "
                "VALUES (1, CURRENT_TIMESTAMP, 'tester', 'probe', '{}', :genesis, 'h')"
            ),
            {"genesis": "0" * 64},
        )
    for statement in ("UPDATE audit_event SET actor = 'forger'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_event")).scalars().all() == [
            "tester"
        ]
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    upgrade(engine)
    with pytest.raises(DatabaseError, match="FOREIGN KEY"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO reference_file"
                " (work_id, path, modality, sha256, size_bytes, created_at) "
                "VALUES (999, 'x', 'text', 'abc', 1, CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()


def test_modality_columns_list_no_modalities(database_url: str) -> None:
    """A signal type declares its modality: the schema has no CHECK listing the built-in
    ones, so adding a modality needs no migration."""
    engine = make_engine(database_url)
    upgrade(engine)
    inspector = inspect(engine)
    for table in ("reference_file", "detection"):
        checks = inspector.get_check_constraints(table)
        assert not [c for c in checks if "modality" in (c.get("sqltext") or "")], table
    engine.dispose()
