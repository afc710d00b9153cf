"""``swordnet works``: register and list works."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from swordnet.cli.display import SafeTable
from swordnet.cli.state import console, container_or_fail, error, fail
from swordnet.domain.kinds import WorkKind

if TYPE_CHECKING:
    from swordnet.services.catalogue import RegisterOutcome, WorkSpec
    from swordnet.services.inputs import BatchItem

app = typer.Typer(help="Register works and their reference files.", no_args_is_help=True)


def _report(outcomes: list[RegisterOutcome]) -> None:
    """One line per failed file, a summary, and exit status 1 if anything failed."""
    added = known = failed = 0
    for outcome in outcomes:
        if outcome.error is not None:
            failed += 1
            error(outcome.error)
        elif outcome.already_known:
            known += 1
        else:
            added += 1
    console.print(f"registered {added} file(s), {known} already catalogued, {failed} failed")
    if failed:
        raise typer.Exit(1)


def _register(ctx: typer.Context, items: list[BatchItem], spec: WorkSpec, one_work: bool) -> None:
    from swordnet.services.catalogue import register_batch

    container = container_or_fail(ctx)
    progress = Progress(
        TextColumn("fingerprinting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task("files", total=sum(item.refusal is None for item in items))
        outcomes = register_batch(
            container,
            items,
            spec,
            one_work=one_work,
            progress=lambda n: progress.advance(task, n),
        )
    _report(outcomes)


@app.command("add")
def add(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Reference files of the work.")],
    title: Annotated[str | None, typer.Option(help="Title; default: each file's name.")] = None,
    kind: Annotated[WorkKind | None, typer.Option(help="Kind of work.")] = None,
    holder: Annotated[str | None, typer.Option(help="Rights holder's name.")] = None,
    key_work: Annotated[
        bool, typer.Option("--key-work", help="Put on the key-works list.")
    ] = False,
) -> None:
    """Register FILES. With --title they are the references of one work; otherwise one work each.

    Every file gets a result or a one-line error; the exit status is 1 if any failed.
    """
    from swordnet.services.catalogue import WorkSpec
    from swordnet.services.inputs import named_files

    spec = WorkSpec(title=title, kind=kind, holder=holder, key_work=key_work)
    _register(ctx, named_files(files), spec, one_work=title is not None)


@app.command("import")
def import_(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder to import, recursively.")],
    kind: Annotated[WorkKind | None, typer.Option(help="Kind of every work.")] = None,
    holder: Annotated[str | None, typer.Option(help="Rights holder of every work.")] = None,
) -> None:
    """Register every file below DIRECTORY as a work titled by its file name.

    A sidecar FILE.json (title, kind, holder, aliases, key_work) overrides the defaults.
    Hidden files are left out; symbolic links, empty and unreadable files are reported,
    one line each, and make the exit status 1.
    """
    from swordnet.services.catalogue import WorkSpec
    from swordnet.services.inputs import folder_files

    if not directory.is_dir():
        fail(f"{directory}: not a folder")
    items = folder_files(directory)
    if not items:
        fail(f"{directory}: no files (hidden files and .json sidecars are left out)")
    _register(ctx, items, WorkSpec(kind=kind, holder=holder), one_work=False)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List catalogued works."""
    from swordnet.services.catalogue import list_works

    table = SafeTable("id", "title", "kind", "holder", "references")
    for work in list_works(container_or_fail(ctx).sessions):
        table.add_row(
            str(work.id), work.title, work.kind.value, work.holder or "", str(work.references)
        )
    console.print(table)


@app.command("remove")
def remove(ctx: typer.Context, work_id: Annotated[int, typer.Argument()]) -> None:
    """Remove a work, its references and their fingerprints."""
    from swordnet.services.catalogue import remove_work

    container = container_or_fail(ctx)
    remove_work(container.sessions, container.indexes, work_id)
    console.print(f"removed work {work_id}")


@app.command("refingerprint")
def refingerprint(
    ctx: typer.Context,
    everything: Annotated[
        bool,
        typer.Option("--all", help="Redo every reference, not only outdated fingerprints."),
    ] = False,
) -> None:
    """Fingerprint references again whose fingerprints a newer signal version replaced."""
    from swordnet.services.refingerprint import refingerprint as redo

    outcomes = redo(container_or_fail(ctx), everything=everything)
    done = failed = 0
    for outcome in outcomes:
        if outcome.error is not None:
            failed += 1
            error(f"reference {outcome.reference_id}: {outcome.error}")
        elif outcome.updated:
            done += 1
    console.print(f"checked {len(outcomes)} reference(s): {done} refingerprinted, {failed} failed")
    if failed:
        raise typer.Exit(1)
