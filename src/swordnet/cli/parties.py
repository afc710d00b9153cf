"""``swordnet platforms|holders|agencies|regions``: the parties of a campaign.

Each command parses its options, calls ``services.parties`` in one transaction and prints.
An option left out leaves the field as it is (``edit``); an empty value (``--operator ""``)
clears it."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.state import cli_actor, console, container_or_fail, fail, out
from swordnet.domain.errors import SwordNetError

platforms_app = typer.Typer(
    help="Platforms: operators, filings, notice channels, sites, accounts.", no_args_is_help=True
)
holders_app = typer.Typer(
    help="Rights holders and collective management organisations, and their agents.",
    no_args_is_help=True,
)
agencies_app = typer.Typer(
    help="Agencies: copyright administrations, regulators, police.", no_args_is_help=True
)
regions_app = typer.Typer(help="Regions: the hierarchy visibility follows.", no_args_is_help=True)

Actor = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Who is acting (default: $SWORDNET_ACTOR or the login); recorded, not verified.",
    ),
]


@contextmanager
def _transaction(ctx: typer.Context) -> Iterator[Any]:
    """A session in one transaction; a refusal becomes a one-line error and exit code 2."""
    sessions = container_or_fail(ctx).sessions
    try:
        with sessions() as session, session.begin():
            yield session
    except SwordNetError as exc:
        fail(str(exc))


def _given(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# -- platforms -----------------------------------------------------------------------------

Name = Annotated[str | None, typer.Option("--name", help="The platform's name.")]
Category = Annotated[
    str | None,
    typer.Option(
        help="video, music, literature, news, cloud_storage, ecommerce, app_store, "
        "social, education, games, forum, photo or other."
    ),
]
Region = Annotated[str | None, typer.Option("--region", help="Region code (see regions list).")]
Operator = Annotated[str | None, typer.Option(help="Who runs it (company).")]
Icp = Annotated[str | None, typer.Option("--icp", help="ICP filing number.")]
Hosting = Annotated[str | None, typer.Option("--hosting", help="Hosting provider.")]
Registrar = Annotated[str | None, typer.Option(help="Domain registrar.")]
NoticeEmail = Annotated[str | None, typer.Option("--notice-email", help="Where notices go.")]
AlsoEmail = Annotated[
    list[str] | None,
    typer.Option("--also-email", help="A further notice address (repeatable; replaces the list)."),
]
WebhookUrl = Annotated[str | None, typer.Option("--webhook-url", help="http(s) URL for notices.")]
WebhookSecret = Annotated[
    str | None,
    typer.Option(
        "--webhook-secret", help="The platform's key for signed webhook bodies (16+ chars)."
    ),
]
GenerateSecret = Annotated[
    bool,
    typer.Option(
        "--generate-webhook-secret", help="Generate the webhook secret; it is printed once."
    ),
]
ApiAccess = Annotated[
    bool | None, typer.Option("--api-access/--no-api-access", help="Pulls notices via the API.")
]
KeySupervision = Annotated[
    bool | None,
    typer.Option(
        "--key-supervision/--no-key-supervision", help="Under key supervision (pre-warning lists)."
    ),
]
Status = Annotated[str | None, typer.Option(help="active, supervised or shut_down.")]


def _platform_fields(
    *,
    name: str | None,
    domain: str | None,
    category: str | None,
    region: str | None,
    operator: str | None,
    icp: str | None,
    hosting: str | None,
    registrar: str | None,
    notice_email: str | None,
    also_email: list[str] | None,
    webhook_url: str | None,
    webhook_secret: str | None,
    generate_secret: bool,
    api_access: bool | None,
    key_supervision: bool | None,
    status: str | None,
) -> tuple[dict[str, Any], str | None]:
    generated = secrets.token_urlsafe(32) if generate_secret else None
    if generated and webhook_secret:
        fail("give --webhook-secret or --generate-webhook-secret, not both")
    fields = _given(
        name=name,
        domain=domain,
        category=category,
        region_code=region,
        operator=operator,
        icp_filing=icp,
        hosting_provider=hosting,
        registrar=registrar,
        notice_email=notice_email,
        notice_emails=also_email,
        webhook_url=webhook_url,
        webhook_secret=generated or webhook_secret,
        api_access=api_access,
        key_supervision=key_supervision,
        status=status,
    )
    return fields, generated


def _print_secret(platform_id: int, generated: str | None) -> None:
    if generated:
        console.print(
            f"webhook secret of platform {platform_id} below, shown only once: give it to the "
            "platform, which checks each notice's X-SwordNet-Signature with it"
        )
        sys.stdout.write(generated + "\n")


@platforms_app.command("add")
def platforms_add(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="Main domain, e.g. video.example.")],
    name: Name = None,
    category: Category = None,
    region: Region = None,
    operator: Operator = None,
    icp: Icp = None,
    hosting: Hosting = None,
    registrar: Registrar = None,
    notice_email: NoticeEmail = None,
    also_email: AlsoEmail = None,
    webhook_url: WebhookUrl = None,
    webhook_secret: WebhookSecret = None,
    generate_webhook_secret: GenerateSecret = False,
    api_access: ApiAccess = None,
    key_supervision: KeySupervision = None,
    status: Status = None,
    as_: Actor = None,
) -> None:
    """Register a platform: who runs it, where notices go."""
    from swordnet.services.parties import register_platform

    fields, generated = _platform_fields(
        name=name or domain,
        domain=domain,
        category=category,
        region=region,
        operator=operator,
        icp=icp,
        hosting=hosting,
        registrar=registrar,
        notice_email=notice_email,
        also_email=also_email,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        generate_secret=generate_webhook_secret,
        api_access=api_access,
        key_supervision=key_supervision,
        status=status,
    )
    with _transaction(ctx) as session:
        platform = register_platform(session, fields, actor=cli_actor(as_))
        platform_id = platform.id
    console.print(f"platform {platform_id} registered: {printable(platform.domain)}")
    _print_secret(platform_id, generated)


@platforms_app.command("edit")
def platforms_edit(
    ctx: typer.Context,
    platform: Annotated[str, typer.Argument(help="Platform id or domain.")],
    domain: Annotated[str | None, typer.Option(help="A new main domain.")] = None,
    name: Name = None,
    category: Category = None,
    region: Region = None,
    operator: Operator = None,
    icp: Icp = None,
    hosting: Hosting = None,
    registrar: Registrar = None,
    notice_email: NoticeEmail = None,
    also_email: AlsoEmail = None,
    webhook_url: WebhookUrl = None,
    webhook_secret: WebhookSecret = None,
    generate_webhook_secret: GenerateSecret = False,
    api_access: ApiAccess = None,
    key_supervision: KeySupervision = None,
    status: Status = None,
    as_: Actor = None,
) -> None:
    """Change a platform; a new region carries its detections and notices along."""
    from swordnet.services.parties import find_platform, update_platform

    fields, generated = _platform_fields(
        name=name,
        domain=domain,
        category=category,
        region=region,
        operator=operator,
        icp=icp,
        hosting=hosting,
        registrar=registrar,
        notice_email=notice_email,
        also_email=also_email,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        generate_secret=generate_webhook_secret,
        api_access=api_access,
        key_supervision=key_supervision,
        status=status,
    )
    if not fields:
        fail("nothing to change: give at least one option (see --help)")
    with _transaction(ctx) as session:
        row = update_platform(
            session, find_platform(session, platform).id, fields, actor=cli_actor(as_)
        )
        platform_id = row.id
    console.print(f"platform {platform_id} changed: {', '.join(sorted(fields))}")
    _print_secret(platform_id, generated)


@platforms_app.command("list")
def platforms_list(
    ctx: typer.Context,
    category: Category = None,
    region: Annotated[str | None, typer.Option("--region", help="This region and below.")] = None,
    key_supervision: Annotated[
        bool, typer.Option("--key-supervision", help="Only platforms under key supervision.")
    ] = False,
    search: Annotated[str | None, typer.Option(help="Part of the name or domain.")] = None,
) -> None:
    """List platforms."""
    from swordnet.services.parties import list_platforms

    table = SafeTable("id", "domain", "name", "category", "region", "notices to", "key sup.")
    with _transaction(ctx) as session:
        rows = list_platforms(
            session,
            category=category,
            region_code=region,
            key_supervision=True if key_supervision else None,
            search=search,
        )
        for p in rows:
            table.add_row(
                str(p.id),
                p.domain,
                p.name,
                p.category.value,
                p.region_code or "",
                ", ".join([a for a in [p.notice_email, *p.notice_emails] if a])
                or (p.webhook_url or ""),
                _yes(p.key_supervision),
            )
    out.print(table)


@platforms_app.command("show")
def platforms_show(
    ctx: typer.Context,
    platform: Annotated[str, typer.Argument(help="Platform id or domain.")],
) -> None:
    """Everything recorded about a platform (the webhook secret only as set or not)."""
    from swordnet.services.parties import accounts_of, find_platform, sites_of

    with _transaction(ctx) as session:
        p = find_platform(session, platform)
        lines = [
            ("id", str(p.id)),
            ("name", p.name),
            ("domain", p.domain),
            ("category", p.category.value),
            ("status", p.status.value),
            ("region", p.region_code or ""),
            ("operator", p.operator or ""),
            ("ICP filing", p.icp_filing or ""),
            ("hosting provider", p.hosting_provider or ""),
            ("registrar", p.registrar or ""),
            ("notice e-mail", p.notice_email or ""),
            ("further notice e-mails", ", ".join(p.notice_emails)),
            ("webhook URL", p.webhook_url or ""),
            ("webhook secret", "set" if p.webhook_secret else "not set"),
            ("API access", _yes(p.api_access)),
            ("key supervision", _yes(p.key_supervision)),
            ("sites", ", ".join(s.domain for s in sites_of(session, p.id))),
            (
                "accounts",
                ", ".join(
                    a.account + (f" (holder {a.holder_id})" if a.holder_id else "")
                    for a in accounts_of(session, p.id)
                ),
            ),
        ]
    for label, value in lines:
        out.print(f"{label}: {printable(value)}", highlight=False)


@platforms_app.command("add-site")
def platforms_add_site(
    ctx: typer.Context,
    platform: Annotated[str, typer.Argument(help="Platform id or domain.")],
    domain: Annotated[str, typer.Argument(help="The further domain (mirror, app page).")],
    note: Annotated[str | None, typer.Option(help="What it is.")] = None,
    as_: Actor = None,
) -> None:
    """Record a further domain of a platform: what is found there is the platform's."""
    from swordnet.services.parties import add_site, find_platform

    with _transaction(ctx) as session:
        site = add_site(
            session, find_platform(session, platform).id, domain, note=note, actor=cli_actor(as_)
        )
        shown = f"site {site.domain} added to platform {site.platform_id}"
    console.print(printable(shown))


@platforms_app.command("add-account")
def platforms_add_account(
    ctx: typer.Context,
    platform: Annotated[str, typer.Argument(help="Platform id or domain.")],
    account: Annotated[str, typer.Argument(help="The account's name or id on the platform.")],
    holder: Annotated[
        str | None,
        typer.Option(help="The rights holder whose official account it is (id or name)."),
    ] = None,
    label: Annotated[str | None, typer.Option(help="A note on the account.")] = None,
    as_: Actor = None,
) -> None:
    """Record an account on a platform, optionally a rights holder's official one."""
    from swordnet.services.parties import add_account, find_holder, find_platform

    with _transaction(ctx) as session:
        holder_id = find_holder(session, holder).id if holder else None
        row = add_account(
            session,
            find_platform(session, platform).id,
            account,
            holder_id=holder_id,
            label=label,
            actor=cli_actor(as_),
        )
        shown = f"account {row.account} recorded on platform {row.platform_id}"
    console.print(printable(shown))


# -- rights holders --------------------------------------------------------------------------

HolderKind = Annotated[
    str | None, typer.Option("--kind", help="rights_holder or cmo (collective management).")
]
Contact = Annotated[str | None, typer.Option("--contact", help="Contact person.")]
Email = Annotated[str | None, typer.Option(help="E-mail address.")]
Phone = Annotated[str | None, typer.Option(help="Telephone.")]
Address = Annotated[str | None, typer.Option(help="Postal address.")]
Country = Annotated[str | None, typer.Option(help="ISO 3166 two-letter code, e.g. CN.")]
Website = Annotated[str | None, typer.Option(help="http(s) URL.")]


@holders_app.command("add")
def holders_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The holder's name.")],
    kind: HolderKind = None,
    contact: Contact = None,
    email: Email = None,
    phone: Phone = None,
    address: Address = None,
    country: Country = None,
    region: Region = None,
    website: Website = None,
    as_: Actor = None,
) -> None:
    """Register a rights holder or collective management organisation."""
    from swordnet.services.parties import register_holder

    fields = _given(
        name=name,
        kind=kind,
        contact_name=contact,
        email=email,
        phone=phone,
        address=address,
        country=country,
        region_code=region,
        website=website,
    )
    with _transaction(ctx) as session:
        holder = register_holder(session, fields, actor=cli_actor(as_))
        shown = f"rights holder {holder.id} registered: {holder.name}"
    console.print(printable(shown))


@holders_app.command("edit")
def holders_edit(
    ctx: typer.Context,
    holder: Annotated[str, typer.Argument(help="Holder id or name.")],
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    kind: HolderKind = None,
    contact: Contact = None,
    email: Email = None,
    phone: Phone = None,
    address: Address = None,
    country: Country = None,
    region: Region = None,
    website: Website = None,
    as_: Actor = None,
) -> None:
    """Change a rights holder's record."""
    from swordnet.services.parties import find_holder, update_holder

    fields = _given(
        name=name,
        kind=kind,
        contact_name=contact,
        email=email,
        phone=phone,
        address=address,
        country=country,
        region_code=region,
        website=website,
    )
    if not fields:
        fail("nothing to change: give at least one option (see --help)")
    with _transaction(ctx) as session:
        row = update_holder(session, find_holder(session, holder).id, fields, actor=cli_actor(as_))
        shown = f"rights holder {row.id} changed: {', '.join(sorted(fields))}"
    console.print(shown)


@holders_app.command("add-agent")
def holders_add_agent(
    ctx: typer.Context,
    holder: Annotated[str, typer.Argument(help="Holder id or name.")],
    name: Annotated[str, typer.Option("--name", help="The agent's name.")],
    email: Email = None,
    phone: Phone = None,
    mandate: Annotated[str | None, typer.Option(help="What the agent may do.")] = None,
    valid_until: Annotated[
        str | None, typer.Option("--valid-until", help="Last day of the mandate (YYYY-MM-DD).")
    ] = None,
    as_: Actor = None,
) -> None:
    """Record an agent authorised to act for a rights holder (printed in its notices)."""
    from swordnet.services.parties import add_agent, find_holder

    agent = _given(name=name, email=email, phone=phone, mandate=mandate, valid_until=valid_until)
    with _transaction(ctx) as session:
        row = add_agent(session, find_holder(session, holder).id, agent, actor=cli_actor(as_))
        shown = f"agent {name} added to rights holder {row.id} ({len(row.agents)} agent(s))"
    console.print(printable(shown))


@holders_app.command("list")
def holders_list(
    ctx: typer.Context,
    kind: HolderKind = None,
    search: Annotated[str | None, typer.Option(help="Part of the name.")] = None,
) -> None:
    """List rights holders."""
    from swordnet.services.parties import list_holders

    table = SafeTable("id", "name", "kind", "contact", "e-mail", "agents")
    with _transaction(ctx) as session:
        for h in list_holders(session, kind=kind, search=search):
            table.add_row(
                str(h.id),
                h.name,
                h.kind.value,
                h.contact_name or "",
                h.email or "",
                str(len(h.agents)),
            )
    out.print(table)


@holders_app.command("show")
def holders_show(
    ctx: typer.Context,
    holder: Annotated[str, typer.Argument(help="Holder id or name.")],
) -> None:
    """Everything recorded about a rights holder, with its agents."""
    from swordnet.services.parties import find_holder

    with _transaction(ctx) as session:
        h = find_holder(session, holder)
        lines = [
            ("id", str(h.id)),
            ("name", h.name),
            ("kind", h.kind.value),
            ("contact", h.contact_name or ""),
            ("e-mail", h.email or ""),
            ("phone", h.phone or ""),
            ("address", h.address or ""),
            ("country", h.country or ""),
            ("region", h.region_code or ""),
            ("website", h.website or ""),
        ]
        lines += [
            (
                "agent",
                ", ".join(
                    str(agent.get(k))
                    for k in ("name", "mandate", "email", "phone", "valid_until")
                    if agent.get(k)
                ),
            )
            for agent in h.agents
        ]
    for label, value in lines:
        out.print(f"{label}: {printable(value)}", highlight=False)


# -- agencies ---------------------------------------------------------------------------------


@agencies_app.command("add")
def agencies_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agency's name.")],
    kind: Annotated[str, typer.Option(help="copyright, cyberspace, telecom, police or other.")],
    region: Annotated[str, typer.Option("--region", help="The region it acts for.")],
    name_en: Annotated[str | None, typer.Option("--name-en", help="English name.")] = None,
    email: Email = None,
    phone: Phone = None,
    address: Address = None,
    as_: Actor = None,
) -> None:
    """Register an agency."""
    from swordnet.services.parties import register_agency

    fields = _given(
        name=name,
        kind=kind,
        region_code=region,
        name_en=name_en,
        email=email,
        phone=phone,
        address=address,
    )
    with _transaction(ctx) as session:
        agency = register_agency(session, fields, actor=cli_actor(as_))
        shown = f"agency {agency.id} registered: {agency.name}"
    console.print(printable(shown))


@agencies_app.command("list")
def agencies_list(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="Only agencies of this kind.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this region's.")] = None,
) -> None:
    """List agencies."""
    from swordnet.services.parties import list_agencies

    table = SafeTable("id", "name", "kind", "region", "e-mail", "phone")
    with _transaction(ctx) as session:
        for a in list_agencies(session, kind=kind, region_code=region):
            table.add_row(
                str(a.id), a.name, a.kind.value, a.region_code, a.email or "", a.phone or ""
            )
    out.print(table)


# -- regions ------------------------------------------------------------------------------------


@regions_app.command("list")
def regions_list(
    ctx: typer.Context,
    under: Annotated[
        str | None, typer.Option(help="Only this region and those below it (a code).")
    ] = None,
) -> None:
    """List regions, parents before children."""
    from swordnet.services.parties import list_regions, subtree

    table = SafeTable("code", "name", "English name", "parent", "level")
    with _transaction(ctx) as session:
        for r in subtree(session, under) if under else list_regions(session):
            table.add_row(
                r.code, "  " * r.level + r.name, r.name_en or "", r.parent_code or "", str(r.level)
            )
    out.print(table)


@regions_app.command("import")
def regions_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV: code,parent_code,name,name_en", exists=True, dir_okay=False)
    ],
    as_: Actor = None,
) -> None:
    """Add or change regions from a CSV file, all or nothing; importing it again changes nothing."""
    from swordnet.services.parties import import_regions

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text: save the CSV as UTF-8 and import again")
    with _transaction(ctx) as session:
        report = import_regions(session, text, actor=cli_actor(as_))
    console.print(
        f"regions: {len(report.created)} added, {len(report.updated)} changed, "
        f"{report.unchanged} unchanged"
    )
