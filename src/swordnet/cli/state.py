"""Per-invocation state: global options and the lazily built container."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from swordnet.cli.display import plain_console, printable
from swordnet.domain.errors import ConfigurationError
from swordnet.settings import Settings, load_settings

if TYPE_CHECKING:
    from swordnet.bootstrap import Container

console = plain_console(stderr=True)  # progress, summaries and messages
out = plain_console(stderr=False)  # what a command produces: tables, documents


@dataclass
class CliState:
    home: Path | None = None
    _container: Container | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        return load_settings(home=self.home)

    def container(self) -> Container:
        if self._container is None:
            from swordnet.bootstrap import bootstrap  # heavy: imported only when a command needs it

            self._container = bootstrap(self.settings())
        return self._container

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def error(message: str) -> None:
    """A one-line error on stderr; names in ``message`` cannot break the line or forge another."""
    print(f"swordnet: error: {printable(message)}", file=sys.stderr, flush=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """A one-line error on stderr and a non-zero exit."""
    error(message)
    raise typer.Exit(code)


# Until accounts exist the CLI cannot prove who runs it: the audit trail says so.
CLI_ACTOR_PREFIX = "unauthenticated CLI user "
_MAX_ACTOR = 100  # the audit trail's actor column


def cli_actor(claimed: str | None) -> str:
    """The audit-trail actor of a CLI command: ``unauthenticated CLI user NAME``, NAME the
    claimed one (``--as``), else ``$SWORDNET_ACTOR``, else the login."""
    name = (claimed or os.environ.get("SWORDNET_ACTOR") or getpass.getuser()).strip()
    if not name or not name.isprintable():
        fail("--as needs a printable name (it is recorded in the audit trail)")
    limit = _MAX_ACTOR - len(CLI_ACTOR_PREFIX)
    if len(name) > limit:
        fail(f"--as names are at most {limit} characters; {len(name)} given")
    return f"{CLI_ACTOR_PREFIX}{name}"


def container_or_fail(ctx: typer.Context) -> Container:
    try:
        return state(ctx).container()
    except ConfigurationError as exc:
        fail(str(exc))
