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
    from swordnet.services.database import upgrade_schema

    console.print(f"database at revision {upgrade_schema(state(ctx).settings(), revision)}")


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
    from swordnet.services.database import downgrade_schema

    settings = state(ctx).settings()
    if not yes_destroy_data:
        fail(
            f"a downgrade to {revision!r} drops tables and destroys their data, the audit "
            "trail included; back the database up, then run it again with --yes-destroy-data"
        )
    outcome = downgrade_schema(settings, revision)
    console.print(f"database at revision {outcome.revision}")
    if outcome.retired_checkpoint is not None:
        console.print(
            f"the audit checkpoint of the emptied database is kept as {outcome.retired_checkpoint}"
        )


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the newest one."""
    from swordnet.services.database import schema_revisions

    now, head = schema_revisions(state(ctx).settings())
    print(f"current: {now}  head: {head}")


@app.command("verify-audit")
def verify_audit(ctx: typer.Context) -> None:
    """Check the audit trail's hash chain and its signed checkpoint."""
    from swordnet.domain.errors import SwordNetError
    from swordnet.services.database import verify_audit_trail

    try:
        verdict = verify_audit_trail(state(ctx).settings())
    except SwordNetError as exc:  # no database at all, or an unreadable checkpoint
        fail(str(exc), code=1)
    if verdict.problems:
        for problem in verdict.problems:
            print(printable(problem))
        fail(f"audit trail damaged: {len(verdict.problems)} problem(s)", code=1)
    signed = verdict.signed
    since = f"; signed checkpoint at event {signed.seq} (key {signed.key_id})" if signed else ""
    console.print(f"audit trail intact: {verdict.events} events{since}")
