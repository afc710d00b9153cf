"""The audit trail under concurrency and tampering, on SQLite and PostgreSQL.

Reproductions of issue #18: concurrent commits forked the chain on PostgreSQL; on SQLite
``INSERT OR REPLACE`` rewrote rows past the triggers, re-chaining made ``verify-audit``
say "intact", deleting the last rows with the triggers dropped went unnoticed, a
downgrade to base needed no confirmation and a dropped table gave a traceback.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DatabaseError

from swordnet.bootstrap import bootstrap
from swordnet.services import audit
from swordnet.services.audit import GENESIS, event_hash
from swordnet.settings import Settings
from swordnet.storage.db import make_engine

Cli = Callable[..., subprocess.CompletedProcess[str]]  # the swordnet_cli fixture


def _settings(home: Path, url: str) -> Settings:
    return Settings(home=home, database_url=url, workers=1)


def _append_many(home: str, url: str, worker: int, count: int) -> None:
    container = bootstrap(_settings(Path(home), url))
    try:
        for number in range(count):
            with container.sessions() as session, session.begin():
                audit.record(session, f"worker-{worker}", "probe", "test", number, n=number)
    finally:
        container.close()


def test_concurrent_processes_keep_one_chain(
    database_url: str, tmp_path: Path, swordnet_cli: Cli
) -> None:
    home = tmp_path / "home"
    bootstrap(_settings(home, database_url)).close()  # schema first, as an installer would
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_many, args=(str(home), database_url, n, 25))
        for n in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    result = swordnet_cli(home, database_url, "db", "verify-audit")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit trail intact: 100 events" in result.stderr
    assert "signed checkpoint at event 100" in result.stderr


def _seed_trail(home: Path, url: str, events: int) -> None:
    container = bootstrap(_settings(home, url))
    try:
        for number in range(events):
            with container.sessions() as session, session.begin():
                audit.record(session, "officer", "probe", "test", number)
    finally:
        container.close()


def test_insert_or_replace_over_a_row_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    _seed_trail(tmp_path / "home", url, 3)
    engine = make_engine(url)
    with pytest.raises(DatabaseError, match="appended at the head"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT OR REPLACE INTO audit_event "
                "(id, seq, at, actor, action, data, prev_hash, hash) "
                "SELECT id, seq, at, 'forger', action, data, prev_hash, hash "
                "FROM audit_event WHERE seq = 2"
            )
        )
    engine.dispose()


def test_upsert_over_a_row_is_refused_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    _seed_trail(tmp_path / "home", postgres_url, 3)
    engine = make_engine(postgres_url)
    with pytest.raises(DatabaseError, match="append"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (id, seq, at, actor, action, data, prev_hash, hash) "
                "SELECT id, seq, at, 'forger', action, data, prev_hash, hash "
                "FROM audit_event WHERE seq = 2 "
                "ON CONFLICT (id) DO UPDATE SET actor = 'forger'"
            )
        )
    engine.dispose()


def _drop_guards(conn: Connection, dialect: str) -> None:
    if dialect == "sqlite":
        for name in ("no_update", "no_delete", "append_at_head"):
            conn.execute(text(f"DROP TRIGGER audit_event_{name}"))
    else:
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))


def test_rechained_rewrite_is_found_by_the_checkpoint(
    database_url: str, tmp_path: Path, swordnet_cli: Cli
) -> None:
    home = tmp_path / "home"
    _seed_trail(home, database_url, 5)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        _drop_guards(conn, engine.dialect.name)
        rows = conn.execute(
            text(
                "SELECT id, at, actor, action, entity, entity_id, data "
                "FROM audit_event ORDER BY seq"
            )
        ).all()
        prev = GENESIS
        for row in rows:  # the forger rewrites every actor and re-chains the hashes
            at = row.at if not isinstance(row.at, str) else _parse(row.at)
            data = row.data if isinstance(row.data, dict) else json.loads(row.data)
            digest = event_hash(prev, at, "forger", row.action, row.entity, row.entity_id, data)
            conn.execute(
                text("UPDATE audit_event SET actor='forger', prev_hash=:p, hash=:h WHERE id=:i"),
                {"p": prev, "h": digest, "i": row.id},
            )
            prev = digest
    engine.dispose()
    result = swordnet_cli(home, database_url, "db", "verify-audit")
    assert result.returncode == 1
    assert "the trail was rewritten" in result.stdout


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def test_deleted_last_rows_are_found_by_the_checkpoint(
    database_url: str, tmp_path: Path, swordnet_cli: Cli
) -> None:
    home = tmp_path / "home"
    _seed_trail(home, database_url, 5)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        _drop_guards(conn, engine.dialect.name)
        conn.execute(text("DELETE FROM audit_event WHERE seq > 3"))
    engine.dispose()
    result = swordnet_cli(home, database_url, "db", "verify-audit")
    assert result.returncode == 1
    assert "the trail ends at event 3 but event 5 was signed" in result.stdout


def test_dropped_table_is_an_error_line(tmp_path: Path, swordnet_cli: Cli) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    home = tmp_path / "home"
    _seed_trail(home, url, 2)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_event"))
    engine.dispose()
    result = swordnet_cli(home, url, "db", "verify-audit")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the audit trail cannot be read: no such table: audit_event" in result.stdout


def test_downgrade_needs_confirmation(tmp_path: Path, swordnet_cli: Cli) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    home = tmp_path / "home"
    _seed_trail(home, url, 2)
    refused = swordnet_cli(home, url, "db", "downgrade", "base")
    assert refused.returncode == 2
    assert "--yes-destroy-data" in refused.stderr
    assert "audit trail intact: 2 events" in swordnet_cli(home, url, "db", "verify-audit").stderr
    done = swordnet_cli(home, url, "db", "downgrade", "base", "--yes-destroy-data")
    assert done.returncode == 0, done.stderr
    assert "kept as" in done.stderr  # the old checkpoint is set aside, not left to accuse
    assert swordnet_cli(home, url, "db", "upgrade").returncode == 0
    assert "audit trail intact: 0 events" in swordnet_cli(home, url, "db", "verify-audit").stderr


def test_rolled_back_transaction_leaves_no_event(database_url: str, tmp_path: Path) -> None:
    container = bootstrap(_settings(tmp_path / "home", database_url))
    try:
        with pytest.raises(RuntimeError), container.sessions() as session, session.begin():
            audit.record(session, "officer", "probe")
            raise RuntimeError("the action failed")
        with container.sessions() as session, session.begin():
            audit.record(session, "officer", "kept")
        with container.sessions() as session:
            assert audit.verify_chain(session) == []
            assert audit.current_head(session).seq == 1
    finally:
        container.close()


def test_a_missing_database_is_said_plainly(tmp_path: Path, swordnet_cli: Cli) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    home = tmp_path / "home"
    never = swordnet_cli(home, url, "db", "verify-audit")
    assert never.returncode == 1
    assert "there is no database at" in never.stderr and "nothing to verify" in never.stderr
    assert "damaged" not in never.stderr and "Traceback" not in never.stderr
    _seed_trail(home, url, 2)
    (tmp_path / "audit.db").rename(tmp_path / "elsewhere.db")
    gone = swordnet_cli(home, url, "db", "verify-audit")
    assert gone.returncode == 1
    assert "its audit checkpoint signed 2 event(s)" in gone.stdout
    assert "the database was deleted or moved" in gone.stdout
