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
def downgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument()]) -> None:
    """Migrate the database down to REVISION ("base" removes every table)."""
    from swordnet.storage import db
    from swordnet.storage.db import make_engine

    engine = make_engine(state(ctx).settings().resolved_database_url)
    db.downgrade(engine, revision)
    console.print(f"database at revision {db.current_revision(engine)}")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the newest one."""
    from swordnet.storage import db
    from swordnet.storage.db import make_engine

    engine = make_engine(state(ctx).settings().resolved_database_url)
    print(f"current: {db.current_revision(engine)}  head: {db.head_revision(engine)}")


@app.command("verify-audit")
def verify_audit(ctx: typer.Context) -> None:
    """Check that the audit trail's hash chain is intact."""
    from swordnet.services.audit import verify_chain
    from swordnet.storage.db import make_engine, make_session_factory

    settings = state(ctx).settings()
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        problems = verify_chain(session)
    if problems:
        for problem in problems:
            print(printable(problem))
        fail(f"audit trail damaged: {len(problems)} problem(s)", code=1)
    console.print("audit trail intact")
