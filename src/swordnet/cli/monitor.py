"""``swordnet monitor``: monitoring targets and their crawls."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.state import cli_actor, console, container_or_fail, fail

if TYPE_CHECKING:
    from swordnet.crawler.engine import CrawlReport
    from swordnet.services.monitoring import TargetOutcome

EX_TEMPFAIL = 75  # sysexits.h: try again later (the target is being crawled elsewhere)

app = typer.Typer(
    help="Monitoring targets: seeds, schedules, budgets, crawls.", no_args_is_help=True
)


def _print_report(name: str, report: CrawlReport) -> None:
    console.print(
        f"{printable(name)}: run {report.run_id}: {report.pages} pages ({report.bytes} bytes), "
        f"{report.failures} failures ({report.refused} refused), {report.new_detections} new "
        f"detections, {report.screenshots} screenshots; "
        f"stopped: {report.stopped_because or 'interrupted'}"
    )


def _print_outcome(outcome: TargetOutcome) -> None:
    if outcome.report is not None:
        _print_report(outcome.name, outcome.report)
    elif outcome.skipped is not None:
        console.print(f"{printable(outcome.name)}: skipped: {outcome.skipped}", markup=False)
    else:
        # no markup: an error quoting "[::1]" would be read as a style tag
        console.print(
            f"{printable(outcome.name)}: failed: {outcome.error}", style="red", markup=False
        )


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A unique name.")],
    seeds: Annotated[list[str] | None, typer.Argument(help="Seed URLs.")] = None,
    sitemap: Annotated[str | None, typer.Option(help="Sitemap URL whose pages are seeds.")] = None,
    query_template: Annotated[
        str | None, typer.Option(help="Search URL with {query}; key works' titles fill it.")
    ] = None,
    every: Annotated[int, typer.Option(help="Seconds between runs.")] = 86400,
    max_pages: Annotated[int, typer.Option(help="Page budget per run.")] = 500,
    max_mb: Annotated[int, typer.Option(help="Byte budget per run, in MB.")] = 200,
    max_depth: Annotated[int, typer.Option(help="Link depth from the seeds.")] = 5,
    max_seconds: Annotated[int, typer.Option(help="Time budget per run.")] = 3600,
    ignore_robots: Annotated[
        bool, typer.Option("--ignore-robots", help="Do not honour robots.txt.")
    ] = False,
    platform: Annotated[str | None, typer.Option(help="Domain of the platform watched.")] = None,
) -> None:
    """Add a monitoring target."""
    from swordnet.services.monitoring import TargetSpec, add_target

    spec = TargetSpec(
        name=name,
        seeds=list(seeds or []),
        sitemap_url=sitemap,
        query_template=query_template,
        interval_s=every,
        max_pages=max_pages,
        max_bytes=max_mb * 1024 * 1024,
        max_depth=max_depth,
        max_seconds=max_seconds,
        obey_robots=not ignore_robots,
        platform=platform,
    )
    target_id = add_target(container_or_fail(ctx).sessions, spec, actor=cli_actor(None))
    console.print(f"added target {target_id}: {printable(name)}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List monitoring targets and when they run next."""
    from swordnet.services.monitoring import list_targets

    table = SafeTable(
        "id", "name", "seeds", "every (s)", "budget", "robots", "last run", "next run"
    )
    for target in list_targets(container_or_fail(ctx).sessions):
        table.add_row(
            str(target.id),
            target.name,
            "\n".join(target.seeds[:3]) or target.sitemap_url or "",
            str(target.interval_s),
            f"{target.max_pages} pages, depth {target.max_depth}",
            "yes" if target.obey_robots else "no",
            f"{target.last_run_at:%Y-%m-%d %H:%M}" if target.last_run_at else "never",
            f"{target.next_run_at:%Y-%m-%d %H:%M}" if target.next_run_at else "",
        )
    console.print(table)


@app.command("run")
def run(
    ctx: typer.Context,
    target: Annotated[
        str | None, typer.Argument(help="Name or id; default: every due target.")
    ] = None,
    forever: Annotated[bool, typer.Option("--forever", help="Keep running due targets.")] = False,
    poll: Annotated[float, typer.Option(help="With --forever: seconds between checks.")] = 30.0,
) -> None:
    """Crawl a target now (resuming an interrupted run), or every due target.

    A target another process crawls right now is skipped (exit status 75 when it was named).

    A target that fails is reported and the other due targets still run; the exit status
    is then 1.
    """
    from swordnet.services.leases import TargetBusyError
    from swordnet.services.monitoring import run_due, run_forever, run_target

    container = container_or_fail(ctx)
    if forever:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        console.print(f"running due targets every {poll:g} s; Ctrl-C stops")
        run_forever(container, poll_s=poll, stop=stop, on_outcome=_print_outcome)
        return
    if target is not None:
        try:
            _print_report(target, run_target(container, target))
        except TargetBusyError as busy:
            fail(str(busy), code=EX_TEMPFAIL)
        return
    outcomes = run_due(container)
    if not outcomes:
        console.print("no target is due")
    for outcome in outcomes:
        _print_outcome(outcome)
    failed = [outcome.name for outcome in outcomes if outcome.error is not None]
    if failed:
        fail(
            f"{len(failed)} of {len(outcomes)} due targets failed: {', '.join(failed)}; see above",
            1,
        )
