"""``swordnet evidence``: export an evidence bundle, verify one (docs/evidence-bundles.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from swordnet.cli.state import console, fail, state

app = typer.Typer(help="Evidence bundles: export and verify.", no_args_is_help=True)


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The ZIP file to write.")],
    detection: Annotated[int | None, typer.Option("--detection", help="A detection's id.")] = None,
    notice: Annotated[int | None, typer.Option("--notice", help="A notice's id.")] = None,
    case: Annotated[int | None, typer.Option("--case", help="A case's id.")] = None,
) -> None:
    """Write the bundle of one detection, notice or case (signs a fresh checkpoint)."""
    from swordnet.services import bundles

    chosen = [(k, v) for k, v in (("detection", detection), ("notice", notice), ("case", case))]
    given = [(k, v) for k, v in chosen if v is not None]
    if len(given) != 1:
        fail("give exactly one of --detection, --notice, --case")
    kind, subject = given[0]
    assert subject is not None
    exporter = {
        "detection": bundles.export_detection_bundle,
        "notice": bundles.export_notice_bundle,
        "case": bundles.export_case_bundle,
    }[kind]
    try:
        result = exporter(state(ctx).container(), subject, out)
    except bundles.BundleError as exc:
        fail(str(exc))
    for line in result.omitted:
        console.print(f"not included: {line}")
    console.print(
        f"{result.path}: {result.items} items, {result.leaves} leaves, "
        f"proven against the checkpoint of size {result.checkpoint_size}"
    )


@app.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle (.zip or an extracted folder).")],
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="An older checkpoint you kept (repeatable)."),
    ] = None,
    trust: Annotated[
        list[str] | None, typer.Option("--trust", help="A vkey you trust (repeatable).")
    ] = None,
    trust_fingerprint: Annotated[
        list[str] | None,
        typer.Option("--trust-fingerprint", help="SHA-256 of the log's public key, hex."),
    ] = None,
) -> None:
    """Run the bundle's standalone verifier (the same code as its verify.py)."""
    from swordnet.services.bundles import verify_bundle

    ok, _lines = verify_bundle(
        bundle,
        older_checkpoints=checkpoint or [],
        trust=trust or [],
        trust_fingerprints=trust_fingerprint or [],
    )
    raise typer.Exit(0 if ok else 1)
