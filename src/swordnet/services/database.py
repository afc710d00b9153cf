"""The database's schema (Alembic migrations) and the audit trail's integrity.

These use cases open their own engine rather than the composition root's: building the
container migrates the schema on start-up, which ``upgrade`` and ``downgrade`` must control
themselves and ``verify_audit_trail`` must not do behind the operator's back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from swordnet.domain.errors import NotFoundError
from swordnet.services.audit import current_head, verify_chain
from swordnet.services.audit_checkpoint import (
    AuditCheckpoint,
    CheckpointError,
    SignedHead,
    database_identity,
    verify_against_checkpoint,
)
from swordnet.settings import Settings
from swordnet.storage import db
from swordnet.storage.db import make_engine, make_session_factory


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _missing_sqlite_file(engine: Engine) -> Path | None:
    """The SQLite file the URL names, when it does not exist (opening would fail)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    path = Path(database)
    return None if path.exists() else path


def _missing_database(path: Path, checkpoint: AuditCheckpoint) -> str:
    try:
        signed = checkpoint.read()
    except CheckpointError as exc:
        return f"there is no database at {path}, and its checkpoint is unreadable: {exc}"
    if signed is not None:
        return (
            f"there is no database at {path}, but its audit checkpoint signed {signed.seq} "
            f"event(s) on {signed.signed_at}: the database was deleted or moved"
        )
    raise NotFoundError(
        f"there is no database at {path}: nothing to verify (check --home, SWORDNET_HOME "
        "or SWORDNET_DATABASE_URL)"
    )


def upgrade_schema(settings: Settings, revision: str = "head") -> str | None:
    """Migrate up to ``revision``; returns the revision the database is at."""
    settings.ensure_dirs()
    with _engine(settings) as engine:
        db.upgrade(engine, revision)
        return db.current_revision(engine)


@dataclass(frozen=True)
class Downgraded:
    revision: str | None  # where the database is now
    retired_checkpoint: Path | None  # the emptied database's audit checkpoint, set aside


def downgrade_schema(settings: Settings, revision: str) -> Downgraded:
    """Migrate down to ``revision`` (tables and their data are dropped); when no table is
    left, the audit checkpoint of the emptied database is set aside so that a new
    database does not inherit it."""
    with _engine(settings) as engine:
        db.downgrade(engine, revision)
        current = db.current_revision(engine)
        retired = None
        if revision == "base" or current is None:
            retired = AuditCheckpoint(settings.audit_dir, database_identity(engine)).retire()
        return Downgraded(current, retired)


def schema_revisions(settings: Settings) -> tuple[str | None, str | None]:
    """The database's revision and the newest one this version knows."""
    with _engine(settings) as engine:
        return db.current_revision(engine), db.head_revision(engine)


@dataclass(frozen=True)
class AuditVerification:
    problems: list[str]  # empty: the chain is intact and matches its checkpoint
    events: int
    signed: SignedHead | None  # the checkpoint as it was before this check


def verify_audit_trail(settings: Settings) -> AuditVerification:
    """Check the hash chain and the signed checkpoint; an intact trail's head is signed
    (events another host appended are vouched for from now on). Raises
    ``CheckpointError`` when the checkpoint cannot be read or signed, ``NotFoundError``
    when there is no database and never was one (no checkpoint either)."""
    with _engine(settings) as engine:
        checkpoint = AuditCheckpoint(settings.audit_dir, database_identity(engine))
        missing = _missing_sqlite_file(engine)
        if missing is not None:
            return AuditVerification([_missing_database(missing, checkpoint)], 0, None)
        with make_session_factory(engine)() as session:
            problems = verify_chain(session)
            if not problems:
                problems = verify_against_checkpoint(session, checkpoint)
            head = None if problems else current_head(session)
    if head is None:
        return AuditVerification(problems, 0, None)
    signed = checkpoint.read()
    if head.seq > 0:
        checkpoint.advance(head)
    return AuditVerification([], head.seq, signed)
