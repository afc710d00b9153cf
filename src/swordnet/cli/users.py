"""``swordnet users``: accounts. There are no default accounts: the first administrator is
created here, with a generated password printed once."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.state import cli_actor, console, container_or_fail, fail, out

app = typer.Typer(help="Accounts: the first administrator, the list.", no_args_is_help=True)


@app.command("create-admin")
def create_admin(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The administrator's user name.")],
) -> None:
    """Create the first administrator; its password is printed once, on standard output."""
    from swordnet.services.accounts import AccountError, create_first_admin

    try:
        password = create_first_admin(
            container_or_fail(ctx).sessions, username, actor=cli_actor(None)
        )
    except AccountError as exc:
        fail(str(exc))
    console.print(
        f"administrator {printable(username)} created; the password below is shown only "
        "once: store it in a password manager"
    )
    sys.stdout.write(password + "\n")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List accounts (never their passwords)."""
    from swordnet.services.accounts import list_users

    table = SafeTable("id", "user", "role", "active", "last sign-in")
    for user in list_users(container_or_fail(ctx).sessions):
        table.add_row(
            str(user.id),
            user.username,
            user.role.value,
            "yes" if user.active else "no",
            f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never",
        )
    out.print(table)
