"""``swordnet serve``: the web application and the API, served by uvicorn.

Host, port and workers come from the settings (``[web]`` in swordnet.toml,
``SWORDNET_WEB__PORT``...); the options override them. Sessions travel in cookies and
passwords in forms, so SwordNet refuses to listen beyond this machine in clear text: a
non-loopback address needs TLS (``web.tls_certfile`` and ``web.tls_keyfile``) or
``--behind-proxy``, which says a TLS-terminating proxy is in front (its X-Forwarded-*
headers are then trusted, from the addresses in ``--proxy-addresses`` only).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from swordnet.cli.state import fail, state
from swordnet.domain.errors import ConfigurationError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from swordnet.settings import Settings

MAKE_A_SECRET = (
    'put one of at least 32 random characters in swordnet.toml (secret_key = "...") or in '
    "SWORDNET_SECRET_KEY; make one with: "
    'python -c "import secrets; print(secrets.token_urlsafe(32))"'
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    tls: bool
    behind_proxy: bool
    proxy_addresses: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/"

    def uvicorn_kwargs(self, settings: Settings) -> dict[str, Any]:
        """What uvicorn is given: TLS files, and proxy headers trusted only behind a proxy."""
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "workers": self.workers,
            "proxy_headers": self.behind_proxy,
            "forwarded_allow_ips": self.proxy_addresses if self.behind_proxy else None,
            "server_header": False,
            "log_level": "info",
        }
        if self.tls:
            kwargs["ssl_certfile"] = str(settings.web.tls_certfile)
            kwargs["ssl_keyfile"] = str(settings.web.tls_keyfile)
        return kwargs


def server_options(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    behind_proxy: bool | None = None,
    proxy_addresses: str = "127.0.0.1",
) -> ServerOptions:
    """The options the server runs with; ``ConfigurationError`` when it must not start."""
    web = settings.web
    if settings.secret_key is None:
        raise ConfigurationError(
            f"the web app signs its session cookies with secret_key, which is not set: "
            f"{MAKE_A_SECRET}"
        )
    tls = web.tls_certfile is not None or web.tls_keyfile is not None
    if tls and not (web.tls_certfile and web.tls_keyfile):
        raise ConfigurationError("TLS needs both web.tls_certfile and web.tls_keyfile")
    if tls:
        for path in (web.tls_certfile, web.tls_keyfile):
            assert path is not None
            if not path.is_file():
                raise ConfigurationError(f"the TLS file {path} does not exist")
    options = ServerOptions(
        host=host or web.host,
        port=port or web.port,
        workers=workers or web.workers,
        tls=tls,
        behind_proxy=web.behind_proxy if behind_proxy is None else behind_proxy,
        proxy_addresses=proxy_addresses,
    )
    if not is_loopback(options.host) and not (options.tls or options.behind_proxy):
        raise ConfigurationError(
            f"refusing to serve on {options.host}, beyond this machine, without TLS: sign-in "
            "passwords and session cookies would cross the network in clear text. Set "
            "web.tls_certfile and web.tls_keyfile, or put a TLS-terminating proxy in front "
            "and pass --behind-proxy (or serve on 127.0.0.1)"
        )
    return options


def app_from_environment() -> FastAPI:
    """The app factory each uvicorn worker process calls (settings from the environment:
    ``SWORDNET_HOME``, ``SWORDNET_CONFIG``, ``SWORDNET_*``)."""
    from swordnet.bootstrap import bootstrap
    from swordnet.settings import load_settings
    from swordnet.web.app import create_app

    return create_app(bootstrap(load_settings()))


def run_server(
    settings: Settings,
    options: ServerOptions,
    *,
    echo: Callable[[str], None],
    app: FastAPI | None = None,
) -> None:
    """Serve until interrupted. One worker serves ``app`` (or one built here) in this
    process; several are started by uvicorn, each building its own from the environment."""
    import uvicorn

    kwargs = options.uvicorn_kwargs(settings)
    echo(f"SwordNet is serving on {options.url} (Ctrl-C to stop)")
    if options.workers > 1:
        os.environ["SWORDNET_HOME"] = str(settings.home)
        uvicorn.run("swordnet.cli.serve:app_from_environment", factory=True, **kwargs)
        return
    from swordnet.bootstrap import bootstrap
    from swordnet.web.app import create_app

    container = None
    if app is None:
        container = bootstrap(settings)
        app = create_app(container)
    try:
        uvicorn.run(app, **{k: v for k, v in kwargs.items() if k != "workers"})
    finally:
        if container is not None:
            container.close()


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: web.host, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: web.port, 8000).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: web.workers).")
    ] = None,
    behind_proxy: Annotated[
        bool | None,
        typer.Option(
            "--behind-proxy/--no-behind-proxy",
            help="A TLS-terminating proxy is in front: trust its X-Forwarded-* headers.",
        ),
    ] = None,
    proxy_addresses: Annotated[
        str,
        typer.Option(help="Behind a proxy: the proxy's addresses, comma-separated, or '*'."),
    ] = "127.0.0.1",
) -> None:
    """Serve the web application and the API (/api/v1) with uvicorn."""
    try:
        settings = state(ctx).settings()
        options = server_options(
            settings,
            host=host,
            port=port,
            workers=workers,
            behind_proxy=behind_proxy,
            proxy_addresses=proxy_addresses,
        )
        run_server(settings, options, echo=lambda line: print(line, flush=True))
    except ConfigurationError as exc:
        fail(str(exc))
