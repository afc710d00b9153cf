"""``swordnet db``: schema migrations and the audit trail's integrity."""

from __future__ import annotations

from typing import Annotated

import typer

from swordnet.cli.display import printable
from swordnet.cli.state import console, fail, state

app = typer.Typer(help="Database schema and integrity.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from swordnet.storage import db
    from swordnet.storage.db import make_engine

    settings = state(ctx).settings()
    settings.ensure_dirs()
    engine = make_engine(settings.resolved_database_url)
    db.upgrade(engine, revision)
    console.print(f"database at revision {db.current_revision(engine)}")


@app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument()],
    yes_destroy_data: Annotated[
        bool,
        typer.Option(
            "--yes-destroy-data", help="Confirm: a downgrade drops tables and the data in them."
        ),
    ] = False,
) -> None:
    """Migrate the database down to REVISION ("base" removes every table and its data)."""
    from swordnet.services.audit_checkpoint import AuditCheckpoint, database_identity
    from swordnet.storage import db
    from swordnet.storage.db import make_engine

    settings = state(ctx).settings()
    engine = make_engine(settings.resolved_database_url)
    if not yes_destroy_data:
        fail(
            f"a downgrade to {revision!r} drops tables and destroys their data, the audit "
            "trail included; back the database up, then run it again with --yes-destroy-data"
        )
    db.downgrade(engine, revision)
    console.print(f"database at revision {db.current_revision(engine)}")
    if revision == "base" or db.current_revision(engine) is None:
        retired = AuditCheckpoint(settings.audit_dir, database_identity(engine)).retire()
        if retired is not None:
            console.print(f"the audit checkpoint of the emptied database is kept as {retired}")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the newest one."""
    from swordnet.storage import db
    from swordnet.storage.db import make_engine

    engine = make_engine(state(ctx).settings().resolved_database_url)
    print(f"current: {db.current_revision(engine)}  head: {db.head_revision(engine)}")


@app.command("verify-audit")
def verify_audit(ctx: typer.Context) -> None:
    """Check the audit trail's hash chain and its signed checkpoint."""
    from swordnet.services.audit import current_head, verify_chain
    from swordnet.services.audit_checkpoint import (
        AuditCheckpoint,
        CheckpointError,
        database_identity,
        verify_against_checkpoint,
    )
    from swordnet.storage.db import make_engine, make_session_factory

    settings = state(ctx).settings()
    engine = make_engine(settings.resolved_database_url)
    checkpoint = AuditCheckpoint(settings.audit_dir, database_identity(engine))
    with make_session_factory(engine)() as session:
        problems = verify_chain(session)
        if not problems:
            problems = verify_against_checkpoint(session, checkpoint)
        head = None if problems else current_head(session)
    if problems:
        for problem in problems:
            print(printable(problem))
        fail(f"audit trail damaged: {len(problems)} problem(s)", code=1)
    assert head is not None
    try:
        signed = checkpoint.read()
        if head.seq > 0:
            checkpoint.advance(head)  # events another host appended are vouched for now
    except CheckpointError as exc:  # pragma: no cover - read() already passed above
        fail(str(exc), code=1)
    since = f"; signed checkpoint at event {signed.seq} (key {signed.key_id})" if signed else ""
    console.print(f"audit trail intact: {head.seq} events{since}")
