"""``swordnet scan``: look for catalogued works in files, folders and URLs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from swordnet.cli.display import SafeTable, json_line
from swordnet.cli.state import console, container_or_fail, error


def scan(
    ctx: typer.Context,
    targets: Annotated[list[str], typer.Argument(help="Files, folders or http(s) URLs.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per match per line.")
    ] = False,
) -> None:
    """Scan TARGETS and report matches.

    Every file and URL gets a result or a one-line error. Exits 0 when every item was
    scanned, matched or not; 1 when any item could not be scanned.
    """
    from swordnet.services.scanning import scan_targets

    container = container_or_fail(ctx)
    table = SafeTable("query", "work", "modality", "score", "segments")
    matched = scanned = failed = 0
    for result in scan_targets(container, targets):
        scanned += 1
        if result.error is not None:
            failed += 1
            error(result.error)
            continue
        for match in result.matches:
            matched += 1
            if as_json:
                sys.stdout.write(json_line(match.to_json()) + "\n")
                sys.stdout.flush()
            else:
                spans = ", ".join(f"{s.query}->{s.reference} {s.unit}" for s in match.segments[:3])
                table.add_row(
                    result.query,
                    f"{match.work_title} (#{match.work_id})",
                    match.modality,
                    f"{match.score:.3f}",
                    spans,
                )
    if not as_json:
        console.print(table)
    console.print(f"scanned {scanned} item(s): {matched} match(es), {failed} error(s)")
    if failed:
        raise typer.Exit(1)
