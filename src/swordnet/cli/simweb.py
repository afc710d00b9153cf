"""``swordnet sim-web``: serve the simulated pirate web until interrupted."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from swordnet.cli.state import console, fail


def sim_web(
    seed: Annotated[int, typer.Option(help="Seed of the generated world.")] = 2017,
    port_base: Annotated[int, typer.Option(help="First port (0: any free ports).")] = 0,
    hostile: Annotated[bool, typer.Option(help="Also serve the hostile test site.")] = True,
) -> None:
    """Serve the deterministic simulated pirate web on 127.0.0.1 (Ctrl-C stops)."""
    from swordnet.simweb.hostile import build_hostile_site
    from swordnet.simweb.server import SimWeb
    from swordnet.simweb.world import build_world

    world = build_world(seed)
    sites = world.sites + ([build_hostile_site()] if hostile else [])
    ports = (
        {site.key: port_base + number for number, site in enumerate(sites)} if port_base else None
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        web = SimWeb(sites, ports).start()
    except OSError as exc:
        fail(f"cannot serve the simulated web: {exc}; choose another --port-base (0: free ports)")
    with web:
        for site in sites:
            console.print(f"{site.name:<24} {web.base_urls[site.key]}/")
        console.print(
            f"{len(world.expected)} planted copies of {len(world.catalogue)} works; Ctrl-C stops"
        )
        stop.wait()
