"""``swordnet thresholds``: criminal-threshold rule sets (add, list, show) and evaluating a
case's figures against them. The format of a rule-set file is in docs/thresholds.md."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.state import cli_actor, console, container_or_fail, fail, out
from swordnet.domain.errors import SwordNetError

if TYPE_CHECKING:
    from swordnet.domain.thresholds import Figure

app = typer.Typer(
    help="Criminal thresholds as data: rule sets with their legal basis, and evaluation.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A rule-set file (.toml, or .json).")],
    actor: Annotated[str | None, typer.Option("--as", help="Who is acting (audited).")] = None,
) -> None:
    """Validate a rule-set file and store it as the next version of its id."""
    from swordnet.domain.thresholds import RuleSetInvalidError
    from swordnet.services.thresholds import add_rule_set

    who = cli_actor(actor)
    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    try:
        stored = add_rule_set(container_or_fail(ctx).sessions, content, file.name, actor=who)
    except RuleSetInvalidError as exc:
        for problem in exc.problems:
            console.print(printable(f"  {problem}"))
        fail(f"{file}: {len(exc.problems)} problem(s); nothing stored")
    except SwordNetError as exc:
        fail(str(exc))
    unverified = "" if stored.rule_set.fully_verified else " (some thresholds marked unverified)"
    console.print(printable(f"stored rule set {stored.ref}{unverified}"))


@app.command("list")
def list_command(
    ctx: typer.Context,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Every version.")] = False,
) -> None:
    """The rule sets: shipped, then added by officers (latest version unless --all-versions)."""
    from swordnet.services.thresholds import list_rule_sets

    table = SafeTable("id", "version", "jurisdiction", "in force", "document", "origin", "verified")
    for s in list_rule_sets(container_or_fail(ctx).sessions, all_versions=all_versions):
        rs = s.rule_set
        until = rs.effective_to.isoformat() if rs.effective_to else "…"
        table.add_row(
            rs.id,
            str(s.version),
            rs.jurisdiction,
            f"{rs.effective_from.isoformat()} – {until}",
            rs.document_number or "-",
            s.origin,
            "yes" if rs.fully_verified else "partly/no",
        )
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="ID, or ID@VERSION.")],
) -> None:
    """A rule set: its legal basis, sources, quoted text and every limb."""
    from swordnet.services.thresholds import get_rule_set

    try:
        stored = get_rule_set(container_or_fail(ctx).sessions, ref)
    except SwordNetError as exc:
        fail(str(exc))
    rs = stored.rule_set
    lines = [
        f"{rs.id}@{stored.version} ({stored.origin}; sha256 {stored.sha256[:16]}…)",
        f"{rs.title_zh}",
        f"{rs.title_en}",
        f"{rs.document_number} {rs.legal_basis}; issued by: {'; '.join(rs.issued_by)}",
        f"in force: {rs.effective_from.isoformat()} – "
        f"{rs.effective_to.isoformat() if rs.effective_to else '…'}"
        + (f"; superseded by {rs.superseded_by}" if rs.superseded_by else ""),
        f"offence: {rs.offence_zh} / {rs.offence_en}",
    ]
    for level in rs.levels:
        lines.append(f"level {level.rank} {level.id}: {level.zh} / {level.en}")
        for limb in level.limbs:
            spec = rs.figures[limb.figure]
            needs = f" if {', '.join(limb.requires)}" if limb.requires else ""
            mark = "" if limb.verified else "  [UNVERIFIED]"
            lines.append(
                f"  {limb.provision_en}: {spec.en} ≥ {limb.threshold} {spec.unit}{needs}{mark}"
            )
        if level.partial:
            p = level.partial
            mark = "" if p.verified else "  [UNVERIFIED]"
            lines.append(
                f"  {p.provision_en}: {p.min_items}+ of items {', '.join(p.items)} each at "
                f"{p.fraction} or more{mark}"
            )
    for i, source in enumerate(rs.sources):
        official = "official" if source.official else "not official"
        lines.append(f"source {i}: {source.title} — {source.where} ({official})")
    if rs.verification_note:
        lines.append("verification: " + " ".join(rs.verification_note.split()))
    for line in lines:
        out.print(printable(line), soft_wrap=True)


def parse_figure(text: str, sources: dict[str, str]) -> Figure:
    """``name=value`` or ``name=value:UNIT``; true/false for facts."""
    from swordnet.domain.thresholds import Figure

    name, sep, rest = text.partition("=")
    if not sep or not name or not rest:
        fail(f"--figure {text!r}: write NAME=VALUE, as in illegal_business_volume=62000")
    value_text, _, unit = rest.partition(":")
    value: Decimal | bool
    if value_text.lower() in {"true", "yes"}:
        value = True
    elif value_text.lower() in {"false", "no"}:
        value = False
    else:
        try:
            value = Decimal(value_text.replace(",", ""))
        except InvalidOperation:
            fail(f"--figure {text!r}: {value_text!r} is not a number (or true/false)")
    return Figure(name.strip(), value, unit.strip(), sources.get(name.strip(), ""))


@app.command("evaluate")
def evaluate_command(
    ctx: typer.Context,
    figure: Annotated[
        list[str],
        typer.Option(
            "--figure", "-f", help="NAME=VALUE[:UNIT], e.g. illegal_business_volume=62000"
        ),
    ],
    rules: Annotated[str | None, typer.Option("--rules", help="ID or ID@VERSION.")] = None,
    conduct_date: Annotated[
        str | None, typer.Option("--date", help="Date of the conduct (chooses the rule set).")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="NAME=where the figure comes from (repeatable)."),
    ] = None,
    jurisdiction: Annotated[str, typer.Option(help="With --date.")] = "CN",
    offence: Annotated[str, typer.Option(help="With --date.")] = "cn-criminal-law-217",
    language: Annotated[str, typer.Option(help="zh, en or both.")] = "both",
    as_json: Annotated[bool, typer.Option("--json", help="The result as JSON.")] = False,
) -> None:
    """Which limbs a case's figures meet, and the severity they reach. Exits 1 when no
    level is reached."""
    from swordnet.services.thresholds import evaluate_figures

    if language not in {"zh", "en", "both"}:
        fail("--language is zh, en or both")
    when = None
    if conduct_date is not None:
        try:
            when = date.fromisoformat(conduct_date)
        except ValueError:
            fail(f"--date {conduct_date!r}: write the date as 2024-05-31")
    if rules is None and when is None:
        fail("name the rule set (--rules ID) or give the date of the conduct (--date)")
    sources = {}
    for item in source or []:
        name, sep, where = item.partition("=")
        if not sep:
            fail(f"--source {item!r}: write NAME=WHERE, as in actual_clicks='our crawl count'")
        sources[name.strip()] = where.strip()
    figures = [parse_figure(f, sources) for f in figure]
    try:
        report = evaluate_figures(
            container_or_fail(ctx).sessions,
            figures,
            rule_set=rules,
            conduct_date=when,
            jurisdiction=jurisdiction,
            offence=offence,
        )
    except SwordNetError as exc:
        fail(str(exc))
    if as_json:
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        blocks = {"zh": [report.lines_zh], "en": [report.lines_en]}.get(
            language, [report.lines_zh, report.lines_en]
        )
        for i, block in enumerate(blocks):
            if i:
                out.print("")
            for line in block:
                out.print(printable(line), soft_wrap=True, highlight=False)
    if report.evaluation.reached is None:
        raise typer.Exit(1)
