"""``swordnet review|licenses|whitelist|cases``: decide on detections, declare authorised
uses, follow cases. Notices, compliance, counter-notices and pre-warning lists are in
``cli.enforce_notices``. Every command records who acted (``--as``, default: the login) as
"unauthenticated CLI user NAME": nothing verifies the name until accounts exist."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.state import cli_actor, console, container_or_fail, fail, out
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import DetectionStatus

# Services are imported inside the commands: starting the command line stays fast when
# another command is run.

review_app = typer.Typer(
    help="The review queue: confirm, dismiss, authorise.", no_args_is_help=True
)
licenses_app = typer.Typer(
    help="Licenses: who may use a work, where, until when.", no_args_is_help=True
)
whitelist_app = typer.Typer(
    help="White-listed sites (e.g. licensed news reprinters).", no_args_is_help=True
)
cases_app = typer.Typer(help="Enforcement cases and escalation.", no_args_is_help=True)

Actor = Annotated[
    str | None,
    typer.Option(
        "--as",
        help=(
            "Who is acting (default: $SWORDNET_ACTOR or the login). Not verified: the audit "
            "trail records 'unauthenticated CLI user NAME'."
        ),
    ),
]


def actor_name(value: str | None) -> str:
    return cli_actor(value)


def _select_new(
    ctx: typer.Context,
    ids: list[int] | None,
    site: str | None,
    work: int | None,
    min_score: float | None,
) -> list[int]:
    """Bulk selection: explicit ids, or new detections filtered by site, work and score."""
    from swordnet.services.enforcement.selection import new_detection_ids

    if ids:
        return list(ids)
    if site is None and work is None and min_score is None:
        fail("name detection ids, or select in bulk with --site, --work or --min-score")
    chosen = new_detection_ids(
        container_or_fail(ctx).sessions, site=site, work_id=work, min_score=min_score
    )
    if not chosen:
        fail("no new detection matches the selection", code=1)
    return chosen


Ids = Annotated[list[int] | None, typer.Argument(help="Detection ids.")]
Site = Annotated[str | None, typer.Option(help="All new detections on this site (host[:port]).")]
WorkOpt = Annotated[int | None, typer.Option("--work", help="All new detections of this work.")]
MinScore = Annotated[float | None, typer.Option(help="All new detections scoring at least this.")]


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 50,
    status: Annotated[DetectionStatus, typer.Option(help="Which queue.")] = DetectionStatus.NEW,
) -> None:
    """The queue, most urgent first (pre-warned works, key works, score, reach)."""
    from swordnet.services.enforcement.review import review_queue

    container = container_or_fail(ctx)
    with container.sessions() as session:
        entries = review_queue(session, now=datetime.now(UTC), status=status, limit=limit)
    table = SafeTable("id", "work", "url", "modality", "score", "seen", "priority", "note")
    for e in entries:
        flag = "pre-warned" if e.prewarned else ("key work" if e.key_work else "")
        table.add_row(
            str(e.detection_id),
            e.work_title,
            e.url,
            e.modality,
            f"{e.score:.2f}",
            str(e.reach),
            flag,
            e.reason or "",
        )
    out.print(table)


def _decide(
    ctx: typer.Context, action: str, ids: list[int], actor: str, reason: str | None
) -> None:
    from swordnet.services.enforcement.review import confirm, dismiss, mark_authorised

    container = container_or_fail(ctx)
    now = datetime.now(UTC)
    try:
        with container.sessions() as session, session.begin():
            if action == "confirm":
                changed = confirm(session, ids, actor=actor, now=now, reason=reason)
            elif action == "dismiss":
                changed = dismiss(session, ids, actor=actor, now=now, reason=reason or "")
            else:
                changed = mark_authorised(session, ids, actor=actor, now=now, reason=reason or "")
    except SwordNetError as exc:
        fail(str(exc))
    console.print(
        f"{action}: {len(changed)} detection(s) changed, {len(ids) - len(changed)} unchanged"
    )


@review_app.command("confirm")
def review_confirm(
    ctx: typer.Context,
    ids: Ids = None,
    site: Site = None,
    work: WorkOpt = None,
    min_score: MinScore = None,
    reason: Annotated[str | None, typer.Option(help="Why (optional).")] = None,
    auto: Annotated[
        bool, typer.Option("--auto", help="Confirm by the per-modality thresholds.")
    ] = False,
    as_: Actor = None,
) -> None:
    """Confirm detections as infringing, singly or in bulk."""
    from swordnet.services.enforcement.review import auto_confirm

    if auto:
        container = container_or_fail(ctx)
        with container.sessions() as session, session.begin():
            changed = auto_confirm(
                session,
                container.settings.enforcement.auto_confirm_thresholds(),
                actor=actor_name(as_),
                now=datetime.now(UTC),
            )
        console.print(f"auto-confirmed {len(changed)} detection(s)")
        return
    _decide(ctx, "confirm", _select_new(ctx, ids, site, work, min_score), actor_name(as_), reason)


@review_app.command("dismiss")
def review_dismiss(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option(help="Why it is not infringing (required).")],
    ids: Ids = None,
    site: Site = None,
    work: WorkOpt = None,
    min_score: MinScore = None,
    as_: Actor = None,
) -> None:
    """Dismiss detections (false matches, quotation...), with a reason."""
    _decide(ctx, "dismiss", _select_new(ctx, ids, site, work, min_score), actor_name(as_), reason)


@review_app.command("authorise")
def review_authorise(
    ctx: typer.Context,
    ids: Ids = None,
    reason: Annotated[
        str | None, typer.Option(help="Which license or list (required with ids).")
    ] = None,
    site: Site = None,
    work: WorkOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Apply licenses and white lists to all new detections.")
    ] = False,
    as_: Actor = None,
) -> None:
    """Mark uses authorised by hand, or let licenses and white lists decide (--check)."""
    from swordnet.services.enforcement.authorisation import authorise_new_detections

    if check:
        container = container_or_fail(ctx)
        with container.sessions() as session, session.begin():
            report = authorise_new_detections(session, actor=actor_name(as_), now=datetime.now(UTC))
        console.print(f"checked {report.checked}, authorised {len(report.authorised)}")
        return
    if not reason:
        fail("--reason is required when marking detections authorised by hand")
    _decide(ctx, "authorise", _select_new(ctx, ids, site, work, None), actor_name(as_), reason)


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"not a date (YYYY-MM-DD): {value!r}")
        raise


@licenses_app.command("add")
def licenses_add(
    ctx: typer.Context,
    work: Annotated[int, typer.Option("--work", help="Work id.")],
    licensee: Annotated[str, typer.Option(help="Who holds the license.")],
    domain: Annotated[
        list[str] | None, typer.Option(help="Licensed host (repeatable; *.example.com).")
    ] = None,
    platform: Annotated[
        list[int] | None, typer.Option(help="Licensed platform id (repeatable).")
    ] = None,
    account: Annotated[
        list[str] | None, typer.Option(help="Licensed account (repeatable).")
    ] = None,
    territory: Annotated[
        list[str] | None, typer.Option(help="ISO country code (repeatable).")
    ] = None,
    right: Annotated[list[str] | None, typer.Option(help="Granted right (repeatable).")] = None,
    starts: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    ends: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    document: Annotated[str | None, typer.Option(help="Reference of the license document.")] = None,
    as_: Actor = None,
) -> None:
    """Declare a license; unnoticed detections it covers become authorised at once."""
    from swordnet.services.licenses import LicenseTerms, add_license

    terms = LicenseTerms(
        work_id=work,
        licensee=licensee,
        domains=domain or [],
        platform_ids=platform or [],
        accounts=account or [],
        territory=territory or [],
        rights=right or [],
        starts_on=_date(starts),
        ends_on=_date(ends),
        document_ref=document,
    )
    try:
        added = add_license(container_or_fail(ctx).sessions, terms, actor=actor_name(as_))
    except SwordNetError as exc:
        fail(str(exc))
    console.print(f"license {added.id} added; {added.authorised} detection(s) authorised")


@licenses_app.command("list")
def licenses_list(ctx: typer.Context, work: WorkOpt = None) -> None:
    from swordnet.services.licenses import list_licenses

    table = SafeTable("id", "work", "licensee", "where", "territory", "from", "until")
    for r in list_licenses(container_or_fail(ctx).sessions, work_id=work):
        table.add_row(
            str(r.id),
            r.work_title,
            r.licensee,
            ", ".join(r.places),
            ",".join(r.territory) or "world",
            str(r.starts_on or ""),
            str(r.ends_on or ""),
        )
    out.print(table)


@whitelist_app.command("add")
def whitelist_add(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="Host name or *.example.com.")],
    name: Annotated[str | None, typer.Option(help="Who it is.")] = None,
    scope: Annotated[str, typer.Option(help="'all' or a work kind (news_article...).")] = "all",
    reason: Annotated[str | None, typer.Option(help="Why it is on the list.")] = None,
    starts: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    ends: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    as_: Actor = None,
) -> None:
    """White-list a site; unnoticed detections on it become authorised at once."""
    from swordnet.services.whitelist import WhiteListing, add_to_whitelist

    entry = WhiteListing(domain, name, scope, reason, _date(starts), _date(ends))
    added = add_to_whitelist(container_or_fail(ctx).sessions, entry, actor=actor_name(as_))
    console.print(f"white-list entry {added.id} added; {added.authorised} detection(s) authorised")


@whitelist_app.command("list")
def whitelist_list(ctx: typer.Context) -> None:
    from swordnet.services.whitelist import list_whitelist

    table = SafeTable("id", "domain", "name", "scope", "from", "until", "reason")
    for site in list_whitelist(container_or_fail(ctx).sessions):
        e = site.entry
        table.add_row(
            str(site.id),
            e.domain,
            e.name or "",
            e.scope,
            str(e.starts_on or ""),
            str(e.ends_on or ""),
            e.reason or "",
        )
    out.print(table)


@cases_app.command("list")
def cases_list(ctx: typer.Context) -> None:
    from swordnet.services.enforcement.escalation import list_cases

    table = SafeTable(
        "id", "title", "status", "opened", "detections", "shutdown requested", "notes"
    )
    for c in list_cases(container_or_fail(ctx).sessions):
        table.add_row(
            str(c.id),
            c.title,
            c.status.value,
            f"{c.opened_at:%Y-%m-%d}",
            str(c.detections),
            "yes" if c.shutdown_requested else "no",
            c.notes or "",
        )
    out.print(table)


@cases_app.command("escalate")
def cases_escalate(ctx: typer.Context, as_: Actor = None) -> None:
    """Apply the repeat-infringer policy: open cases and draft shutdown requests."""
    from swordnet.services.enforcement.escalation import escalate

    container = container_or_fail(ctx)
    summary = escalate(
        container.sessions,
        container.settings.enforcement,
        now=datetime.now(UTC),
        actor=actor_name(as_),
    )
    sites = printable(", ".join(summary.sites)) or "none"
    console.print(f"{len(summary.cases_opened)} case(s) opened: {sites}")


@cases_app.command("recheck-shutdowns")
def cases_recheck_shutdowns(ctx: typer.Context, as_: Actor = None) -> None:
    """Re-check the sites whose shutdown a telecom agency reported: each counts as shut
    down once re-checks have found it gone over ``enforcement.shutdown_confirm_days``."""
    from swordnet.services.cases.shutdowns import recheck_shutdowns

    container = container_or_fail(ctx)
    summary = recheck_shutdowns(
        container.sessions,
        container.fetcher,
        container.settings.enforcement,
        now=datetime.now(UTC),
        actor=actor_name(as_),
    )
    console.print(
        f"{summary.checked} site(s) re-checked: {summary.gone} gone, "
        f"{summary.answering} still answering, {summary.unverified} not checked; "
        f"{len(summary.verified)} verified shut down"
    )


@cases_app.command("referral-package")
def cases_referral_package(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="The case.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the PDF.")],
    rule_set: Annotated[
        str | None, typer.Option("--rules", help="Evaluate against this rule set (ID[@VERSION]).")
    ] = None,
    as_: Actor = None,
) -> None:
    """Write the police referral package of a case: a PDF in Chinese and English with the
    case, the operator, the figures and their sources, the threshold evaluation, the
    detections with their captures, the notices and a narrative. The command line reads
    every case (it holds the database), as an administrator would."""
    from swordnet.domain.kinds import Role
    from swordnet.services.access import Principal
    from swordnet.services.cases import package

    container = container_or_fail(ctx)
    principal = Principal(user_id=0, username=actor_name(as_), role=Role.ADMIN, second_factor=True)
    try:
        with container.sessions() as session:
            built = package.build_package(
                container.sessions,
                session,
                principal,
                case_id,
                now=datetime.now(UTC),
                rule_set=rule_set,
            )
    except SwordNetError as exc:
        fail(str(exc))
    out_file.write_bytes(package.render_package_pdf(built))
    from swordnet.services import bundles

    evidence = out_file.with_name(f"{out_file.stem}-evidence.zip")
    exported = bundles.export_case_bundle(container, case_id, evidence)
    console.print(
        f"evidence bundle: {evidence} ({exported.items} items, {exported.leaves} ledger leaves); "
        f"anyone can check it with: python verify.py {evidence.name} (inside the bundle), "
        f"or swordnet evidence verify {evidence}"
    )
    reached = built.evaluation.report.evaluation.reached if built.evaluation.report else None
    console.print(
        f"{printable(str(out_file))}: case {case_id}; thresholds: "
        f"{reached.level.en if reached else 'no level reached'}"
    )
