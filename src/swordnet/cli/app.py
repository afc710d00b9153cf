"""Top-level command and global options."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from swordnet import __version__
from swordnet.cli import db as db_commands
from swordnet.cli import demo as demo_commands
from swordnet.cli import enforce as enforce_commands
from swordnet.cli import enforce_notices as notice_commands
from swordnet.cli import evidence as evidence_commands
from swordnet.cli import ledger as ledger_commands
from swordnet.cli import monitor as monitor_commands
from swordnet.cli import parties as parties_commands
from swordnet.cli import scan as scan_commands
from swordnet.cli import serve as serve_commands
from swordnet.cli import simweb as simweb_commands
from swordnet.cli import thresholds as thresholds_commands
from swordnet.cli import users as users_commands
from swordnet.cli import works as works_commands
from swordnet.cli.display import printable
from swordnet.cli.state import CliState
from swordnet.domain.errors import SwordNetError

app = typer.Typer(
    name="swordnet",
    help="Find pirated copies of protected works, prove it, get them taken down.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(works_commands.app, name="works")
app.add_typer(db_commands.app, name="db")
app.add_typer(users_commands.app, name="users")
app.add_typer(monitor_commands.app, name="monitor")
app.command("scan")(scan_commands.scan)
app.command("demo")(demo_commands.demo)
app.command("serve")(serve_commands.serve)
app.command("sim-web")(simweb_commands.sim_web)
app.add_typer(enforce_commands.review_app, name="review")
app.add_typer(enforce_commands.licenses_app, name="licenses")
app.add_typer(enforce_commands.whitelist_app, name="whitelist")
app.add_typer(enforce_commands.cases_app, name="cases")
app.add_typer(notice_commands.notices_app, name="notices")
app.add_typer(notice_commands.compliance_app, name="compliance")
app.add_typer(notice_commands.counter_app, name="counter-notice")
app.add_typer(notice_commands.prewarning_app, name="prewarning")
app.add_typer(parties_commands.platforms_app, name="platforms")
app.add_typer(parties_commands.holders_app, name="holders")
app.add_typer(parties_commands.agencies_app, name="agencies")
app.add_typer(parties_commands.regions_app, name="regions")
app.add_typer(thresholds_commands.app, name="thresholds")
app.add_typer(ledger_commands.app, name="ledger")
app.add_typer(evidence_commands.app, name="evidence")


def _version(value: bool) -> None:
    if value:
        print(f"swordnet {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", envvar="SWORDNET_HOME", help="Data directory (database, indexes, WARC)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = CliState(home=home)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    try:
        app()
    except SwordNetError as exc:
        raise SystemExit(f"swordnet: error: {printable(str(exc))}") from None
