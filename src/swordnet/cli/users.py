"""``swordnet users``: accounts. There are no default accounts: the first administrator is
created here, with a generated password printed once; so are further accounts, their
password resets and API tokens (each secret printed once, on standard output)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.state import cli_actor, console, container_or_fail, fail, out
from swordnet.domain.kinds import Role

app = typer.Typer(
    help="Accounts: create, list, deactivate, reset; API tokens.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens of an account.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _secret_once(message: str, secret: str) -> None:
    console.print(message)
    sys.stdout.write(secret + "\n")


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

    table = SafeTable("id", "user", "role", "belongs to", "active", "last sign-in")
    for user in list_users(container_or_fail(ctx).sessions):
        member = (
            f"agency {user.agency_id} · {user.region_code}"
            if user.agency_id
            else f"holder {user.holder_id}"
            if user.holder_id
            else f"platform {user.platform_id}"
            if user.platform_id
            else ""
        )
        table.add_row(
            str(user.id),
            user.username,
            user.role.value,
            member,
            "yes" if user.active else "no",
            f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never",
        )
    out.print(table)


@app.command("create")
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The new account's user name.")],
    role: Annotated[Role, typer.Option("--role", help="What the account may do.")],
    agency: Annotated[
        int | None, typer.Option(help="Agency id (officers, reviewers, viewers, partners).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Region code within the agency's (default: the agency's).")
    ] = None,
    holder: Annotated[int | None, typer.Option(help="Rights holder id (rights_holder).")] = None,
    platform: Annotated[int | None, typer.Option(help="Platform id (platform).")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    as_: Annotated[str | None, typer.Option("--as", help="Who is acting (audit trail).")] = None,
) -> None:
    """Create an account; its generated password is printed once, on standard output."""
    from swordnet.services.accounts import AccountError, Membership, create_account

    try:
        created = create_account(
            container_or_fail(ctx).sessions,
            username,
            role,
            Membership(agency, region, holder, platform),
            actor=cli_actor(as_),
            display_name=name,
            email=email,
        )
    except AccountError as exc:
        fail(str(exc))
    assert created.password is not None
    _secret_once(
        f"{role.value} {printable(username)} created (id {created.user_id}); the password "
        "below is shown only once",
        created.password,
    )


def _user_id(ctx: typer.Context, username: str) -> int:
    from swordnet.domain.errors import NotFoundError
    from swordnet.services.accounts import user_id_by_name

    try:
        return user_id_by_name(container_or_fail(ctx).sessions, username)
    except NotFoundError as exc:
        fail(str(exc))


UserName = Annotated[str, typer.Argument(help="The account's user name.")]
ActingAs = Annotated[str | None, typer.Option("--as", help="Who is acting (audit trail).")]


@app.command("deactivate")
def deactivate(ctx: typer.Context, username: UserName, as_: ActingAs = None) -> None:
    """Deactivate an account: its sessions end and its API tokens are revoked."""
    from swordnet.services.accounts import AccountError, deactivate_account

    try:
        changed = deactivate_account(
            container_or_fail(ctx).sessions,
            _user_id(ctx, username),
            actor=cli_actor(as_),
            now=datetime.now(UTC),
        )
    except AccountError as exc:
        fail(str(exc))
    console.print(
        f"{printable(username)} deactivated: {changed.sessions_ended} session(s) ended, "
        f"{changed.tokens_revoked} API token(s) revoked"
    )


@app.command("reset-password")
def reset_password_(ctx: typer.Context, username: UserName, as_: ActingAs = None) -> None:
    """A new generated password (printed once); the account's sessions end."""
    from swordnet.services.accounts import reset_password

    changed = reset_password(
        container_or_fail(ctx).sessions,
        _user_id(ctx, username),
        actor=cli_actor(as_),
        now=datetime.now(UTC),
    )
    assert changed.password is not None
    _secret_once(
        f"password of {printable(username)} reset, {changed.sessions_ended} session(s) ended; "
        "the new password below is shown only once",
        changed.password,
    )


@app.command("reset-totp")
def reset_totp_(ctx: typer.Context, username: UserName, as_: ActingAs = None) -> None:
    """Forget the account's authenticator: the next sign-in enrols a new one."""
    from swordnet.services.accounts import reset_totp

    changed = reset_totp(
        container_or_fail(ctx).sessions,
        _user_id(ctx, username),
        actor=cli_actor(as_),
        now=datetime.now(UTC),
    )
    console.print(
        f"second factor of {printable(username)} reset, {changed.sessions_ended} session(s) "
        "ended; the next sign-in enrols anew"
    )


@app.command("link-oidc")
def link_oidc_(
    ctx: typer.Context,
    username: UserName,
    subject: Annotated[
        str, typer.Argument(help='"<issuer>|<sub>" as the provider names the person; "" unlinks.')
    ],
    as_: ActingAs = None,
) -> None:
    """Let the account sign in through OpenID Connect as SUBJECT."""
    from swordnet.services.accounts import AccountError, link_oidc

    try:
        link_oidc(
            container_or_fail(ctx).sessions,
            _user_id(ctx, username),
            subject or None,
            actor=cli_actor(as_),
        )
    except AccountError as exc:
        fail(str(exc))
    console.print(f"{printable(username)} linked to {printable(subject) or 'nothing'}")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    username: UserName,
    scope: Annotated[
        list[str], typer.Option("--scope", help="A policy action, e.g. notices.read; repeat.")
    ],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[int, typer.Option(min=0, help="Valid for this many days; 0: no end.")] = 365,
    as_: ActingAs = None,
) -> None:
    """Create an API token for the account; the token is printed once, on standard output."""
    from swordnet.services.credentials import CredentialError, create_token

    try:
        token_id, token = create_token(
            container_or_fail(ctx).sessions,
            _user_id(ctx, username),
            name=name,
            scopes=scope,
            actor=cli_actor(as_),
            now=datetime.now(UTC),
            days=days or None,
        )
    except CredentialError as exc:
        fail(str(exc))
    _secret_once(
        f"token {token_id} for {printable(username)} created with {', '.join(sorted(scope))}; "
        "it is shown only once",
        token,
    )
