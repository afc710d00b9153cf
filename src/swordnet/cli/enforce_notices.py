"""``swordnet notices|compliance|counter-notice|prewarning``: the notice side of enforcement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.enforce import Actor, actor_name
from swordnet.cli.state import console, container_or_fail, fail, out
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import NoticeStatus

# Services are imported inside the commands (fast start-up, see cli.enforce).

notices_app = typer.Typer(help="Draft, send and inspect notices.", no_args_is_help=True)
compliance_app = typer.Typer(help="Re-check noticed URLs after the deadline.", no_args_is_help=True)
counter_app = typer.Typer(help="Counter-notices from the other side.", no_args_is_help=True)
prewarning_app = typer.Typer(help="Key-works pre-warning lists.", no_args_is_help=True)


def _moment(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"not a date or time (ISO 8601): {value!r}")
        raise
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@notices_app.command("draft")
def notices_draft(
    ctx: typer.Context,
    jurisdiction: Annotated[str | None, typer.Option(help="cn-rpnd or us-dmca.")] = None,
    language: Annotated[str | None, typer.Option(help="zh or en.")] = None,
    channel: Annotated[str | None, typer.Option(help="Notifier that will send them.")] = None,
    as_: Actor = None,
) -> None:
    """Render notices for confirmed detections not yet noticed, one per site and holder."""
    from swordnet.services.enforcement.notices import draft_notices

    container = container_or_fail(ctx)
    try:
        with container.sessions() as session, session.begin():
            drafted = draft_notices(
                session,
                container.settings.enforcement,
                actor=actor_name(as_),
                now=datetime.now(UTC),
                channel=channel,
                jurisdiction=jurisdiction,
                language=language,
            )
            summary = [(n.id, n.recipient, len(n.items)) for n in drafted]
    except (SwordNetError, ValueError) as exc:
        fail(str(exc))
    for notice_id, recipient, count in summary:
        console.print(f"notice {notice_id} to {printable(recipient)}: {count} item(s)")
    console.print(f"{len(summary)} notice(s) rendered")


@notices_app.command("send")
def notices_send(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Option(help="Notifier (default: settings).")] = None,
    resend_in_doubt: Annotated[
        bool, typer.Option(help="Resend notices whose earlier attempt was interrupted.")
    ] = False,
    as_: Actor = None,
) -> None:
    """Send rendered notices, each exactly once (see docs/enforcement.md)."""
    from swordnet.services.enforcement.delivery import send_rendered

    container = container_or_fail(ctx)
    name = channel or container.settings.enforcement.channel
    try:
        notifier = container.notifier(name)
    except SwordNetError as exc:  # NotConfigured included
        fail(f"notifier {name}: {exc}")
    report = send_rendered(
        container.sessions,
        notifier,
        actor=actor_name(as_),
        now=datetime.now(UTC),
        resend_in_doubt=resend_in_doubt or container.settings.enforcement.resend_in_doubt,
    )
    for key, error in report.failed:
        console.print(printable(f"failed {key}: {error}"))
    for key in report.in_doubt:
        console.print(
            f"in doubt (held, check the mailbox, then --resend-in-doubt): {printable(key)}"
        )
    console.print(
        f"sent {len(report.sent)}, confirmed earlier {len(report.confirmed_earlier)}, "
        f"failed {len(report.failed)}, in doubt {len(report.in_doubt)}"
    )
    if report.failed:
        raise typer.Exit(1)


@notices_app.command("list")
def notices_list(
    ctx: typer.Context,
    status: Annotated[NoticeStatus | None, typer.Option(help="Only this status.")] = None,
) -> None:
    from swordnet.services.enforcement.notices import list_notices

    table = SafeTable("id", "recipient", "jurisdiction", "status", "items", "sent", "deadline")
    for n in list_notices(container_or_fail(ctx).sessions, status=status):
        table.add_row(
            str(n.id),
            n.recipient,
            f"{n.jurisdiction}/{n.language}",
            n.status.value,
            str(n.items),
            f"{n.sent_at:%Y-%m-%d %H:%M}" if n.sent_at else "",
            f"{n.deadline_at:%Y-%m-%d %H:%M}" if n.deadline_at else "",
        )
    out.print(table)


@notices_app.command("show")
def notices_show(
    ctx: typer.Context,
    notice_id: Annotated[int, typer.Argument(help="Notice id.")],
    html: Annotated[bool, typer.Option("--html", help="Print the HTML version.")] = False,
    pdf: Annotated[Path | None, typer.Option(help="Write the PDF version to this file.")] = None,
) -> None:
    from swordnet.services.enforcement.delivery import notice_pdf, notice_view

    sessions = container_or_fail(ctx).sessions
    try:
        if pdf is not None:
            pdf.write_bytes(notice_pdf(sessions, notice_id))
            console.print(f"PDF written to {pdf}")
            return
        view = notice_view(sessions, notice_id)
    except SwordNetError as exc:
        fail(str(exc))
    outgoing = view.outgoing
    print(outgoing.html if html else f"Subject: {outgoing.subject}\n\n{outgoing.text}")
    for item in view.items:
        console.print(
            f"item {item.id}: {item.status.value} {printable(item.url)} "
            f"{printable(item.check_detail or '')}"
        )


@compliance_app.command("check")
def compliance_check(
    ctx: typer.Context,
    at: Annotated[
        str | None, typer.Option("--at", help="Check as of this time (ISO 8601).")
    ] = None,
    as_: Actor = None,
) -> None:
    """Re-fetch the items of notices whose deadline has passed and record compliance."""
    from swordnet.services.enforcement.compliance import recheck_due

    container = container_or_fail(ctx)
    summary = recheck_due(container, now=_moment(at), actor=actor_name(as_))
    console.print(
        f"{summary.notices_checked} notice(s), {summary.items_checked} item(s): "
        f"{summary.items_removed} removed, {summary.items_still_there} still there, "
        f"{summary.items_changed} changed, {summary.items_unverified} unverified, "
        f"{summary.items_restored} restored after counter-notice"
    )
    for key, verdict in summary.verdicts.items():
        console.print(printable(f"  {key}: {verdict}"))


@counter_app.command("add")
def counter_add(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="Notice item id (see notices show).")],
    claimant: Annotated[str, typer.Option(help="Who objects.")],
    statement: Annotated[str, typer.Option(help="Their statement (why the use is lawful).")],
    contact: Annotated[str | None, typer.Option(help="Their contact details.")] = None,
    restore_days: Annotated[
        float | None, typer.Option(help="Restore after this many days (default: settings).")
    ] = None,
    as_: Actor = None,
) -> None:
    from swordnet.services.enforcement.compliance import add_counter_notice

    container = container_or_fail(ctx)
    days = restore_days or container.settings.enforcement.counter_notice_restore_days
    try:
        with container.sessions() as session, session.begin():
            counter = add_counter_notice(
                session,
                item_id,
                claimant=claimant,
                statement=statement,
                contact=contact,
                restore_after=timedelta(days=days),
                actor=actor_name(as_),
                now=datetime.now(UTC),
            )
            console.print(
                f"counter-notice {counter.id}: the item is restored at "
                f"{counter.restore_at:%Y-%m-%d %H:%M} UTC unless contested"
            )
    except SwordNetError as exc:
        fail(str(exc))


@counter_app.command("contest")
def counter_contest(
    ctx: typer.Context,
    counter_id: Annotated[int, typer.Argument(help="Counter-notice id (see counter-notice add).")],
    reason: Annotated[
        str, typer.Option(help="Why it is contested (e.g. the court case reference).")
    ],
    as_: Actor = None,
) -> None:
    """The rights holder contests a counter-notice (e.g. went to court): the item is not
    restored at the counter-notice's deadline."""
    from swordnet.services.enforcement.compliance import contest_counter_notice

    if not reason.strip():
        fail("--reason must say why the counter-notice is contested")
    container = container_or_fail(ctx)
    try:
        with container.sessions() as session, session.begin():
            counter = contest_counter_notice(
                session, counter_id, actor=actor_name(as_), reason=reason
            )
            item_id = counter.item_id
    except SwordNetError as exc:
        fail(str(exc))
    console.print(f"counter-notice {counter_id} contested: item {item_id} will not be restored")


@prewarning_app.command("publish")
def prewarning_publish(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="Name of the list.")],
    work: Annotated[list[int], typer.Option("--work", help="Work id (repeatable).")],
    starts: Annotated[str, typer.Option(help="Window start (ISO 8601).")],
    ends: Annotated[str, typer.Option(help="Window end (ISO 8601).")],
    platform: Annotated[
        list[int] | None,
        typer.Option(
            "--platform",
            help="Platform id (repeatable); key-supervision platforms always receive the list.",
        ),
    ] = None,
    send: Annotated[bool, typer.Option(help="Send it now through the notices channel.")] = True,
    as_: Actor = None,
) -> None:
    """Publish a list: JSON feed under <home>/prewarning, and a notice to each platform."""
    from swordnet.services.enforcement.prewarning import publish_and_send

    starts_at, ends_at = _moment(starts), _moment(ends)
    container = container_or_fail(ctx)
    settings = container.settings
    try:
        published = publish_and_send(
            container.sessions,
            container.notifier() if send else None,
            title=title,
            work_ids=work,
            platform_ids=platform or [],
            starts_at=starts_at,
            ends_at=ends_at,
            feed_dir=settings.home / "prewarning",
            sender=settings.enforcement.sender,
            language=settings.enforcement.language,
            actor=actor_name(as_),
            now=datetime.now(UTC),
        )
    except SwordNetError as exc:
        fail(str(exc))
    console.print(
        f"list {published.id}: feed {published.feed_path}, sent to {published.sent} platform(s)"
    )


@prewarning_app.command("ack")
def prewarning_ack(
    ctx: typer.Context,
    list_id: Annotated[int, typer.Argument(help="List id.")],
    platform_id: Annotated[int, typer.Argument(help="Platform id.")],
    by: Annotated[str, typer.Option(help="Who acknowledged for the platform.")],
    note: Annotated[str | None, typer.Option(help="Anything they said.")] = None,
    as_: Actor = None,
) -> None:
    from swordnet.services.enforcement.prewarning import acknowledge

    container = container_or_fail(ctx)
    try:
        with container.sessions() as session, session.begin():
            acknowledge(
                session,
                list_id,
                platform_id,
                acknowledged_by=by,
                note=note,
                actor=actor_name(as_),
                now=datetime.now(UTC),
            )
    except SwordNetError as exc:
        fail(str(exc))
    console.print(f"list {list_id} acknowledged by platform {platform_id}")


@prewarning_app.command("list")
def prewarning_list(ctx: typer.Context) -> None:
    from swordnet.services.enforcement.prewarning import list_lists

    container = container_or_fail(ctx)
    table = SafeTable("id", "title", "window", "works", "sent to", "acknowledged")
    with container.sessions() as session:
        for p in list_lists(session):
            table.add_row(
                str(p.id),
                p.title,
                f"{p.starts_at:%Y-%m-%d} - {p.ends_at:%Y-%m-%d}",
                str(len(p.entries)),
                str(sum(1 for r in p.recipients if r.sent_at)),
                str(sum(1 for r in p.recipients if r.acknowledged_at)),
            )
    out.print(table)
