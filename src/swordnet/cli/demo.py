"""``swordnet demo``: a full demonstration campaign against a simulated pirate web."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from swordnet.cli.display import SafeTable, printable
from swordnet.cli.state import out, state

if TYPE_CHECKING:
    from swordnet.demo.campaign import DemoResult
    from swordnet.services.briefing import Briefing


def print_briefing(briefing: Briefing) -> None:
    out.print(
        f"Briefing: {briefing.sites_checked} sites and {briefing.pages_checked} pages "
        f"checked, {briefing.fetch_failures} fetch failures; {briefing.detections} detections of "
        f"{briefing.works_catalogued} catalogued works at {briefing.infringing_urls} URLs on "
        f"{briefing.sites_with_detections} sites"
    )
    out.print(
        f"Enforcement: {briefing.notices_sent} notices sent, {briefing.notices_complied} complied; "
        f"{briefing.links_verified_deleted} links verified deleted; "
        f"{briefing.sites_escalated} sites escalated, {briefing.cases_opened} cases opened"
    )
    works = SafeTable("work", "infringing URLs", "sites", title="Infringing items per work")
    for row in briefing.per_work:
        works.add_row(row["title"], str(row["urls"]), str(row["sites"]))
    sites = SafeTable("site", "name", "infringing URLs", "works", title="Infringing items per site")
    for row in briefing.per_site:
        sites.add_row(row["site"], row["name"], str(row["urls"]), str(row["works"]))
    out.print(works)
    out.print(sites)


def demo(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write the result as JSON to this file.")
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then serve the web app on 127.0.0.1 with one account per role, until Ctrl-C.",
        ),
    ] = False,
) -> None:
    """Run a demonstration campaign on a simulated pirate web on 127.0.0.1 (nothing leaves
    this machine); its data goes to <home>/demo, wiped first. With --serve, walk it in the
    browser afterwards."""
    from swordnet.demo.campaign import run_demo

    result = run_demo(state(ctx).settings(), echo=lambda line: print(line, file=sys.stderr))
    document = {
        "briefing": result.briefing.to_json(),
        "found": result.found,
        "missed": result.missed,
        "unexpected": result.unexpected,
        "home": str(result.home),
        "enforcement": asdict(result.enforcement) if result.enforcement else None,
        "referral": asdict(result.referral) if result.referral else None,
    }
    if report is not None:
        report.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print_summary(result)
    if serve:
        serve_demo(ctx)


def print_summary(result: DemoResult) -> None:
    print_briefing(result.briefing)
    out.print(
        f"Planted copies found: {len(result.found)} of "
        f"{len(result.found) + len(result.missed)}; "
        f"unexpected detections: {len(result.unexpected)}"
    )
    for line in result.missed:
        out.print(f"  missed: {printable(line)}")
    for line in result.unexpected:
        out.print(f"  unexpected: {printable(line)}")
    if result.referral is not None and result.referral.case_id is not None:
        print_referral(result)
    out.print(f"Data, captures (WARC), screenshots and the database are in {result.home}")


def print_referral(result: DemoResult) -> None:
    """The ending: the police referral with its threshold evaluation, and the shutdown."""
    referral = result.referral
    assert referral is not None
    out.print(
        f"Police referral: case {referral.case_id} ({printable(referral.site)}) referred to "
        f"the Guangdong police (referral {referral.criminal_referral_id}); package "
        f"{printable(referral.package)} (SHA-256 {referral.package_sha256[:16]}…)"
    )
    out.print(
        f"  evidence bundle: {printable(referral.bundle)} (SHA-256 "
        f"{referral.bundle_sha256[:16]}…); check it anywhere with the verify.py inside it, "
        "or: swordnet evidence verify FILE"
    )
    for figure in referral.figures:
        out.print(f"  figure: {printable(figure)}", soft_wrap=True, markup=False)
    out.print(f"Threshold evaluation (conduct on {referral.conduct_date}, limb by limb):")
    for line in referral.evaluation_en:
        out.print(f"  {printable(line)}", soft_wrap=True, markup=False, highlight=False)
    out.print(
        f"Shutdown request: sent to the telecom regulator (referral "
        f"{referral.shutdown_referral_id}); the simulated regulator "
        f"{printable('; '.join(referral.regulator_answers)) or 'did not answer'}"
    )
    verdict = "verified" if referral.shutdown_verified else "NOT verified"
    out.print(f"site shut down: {verdict} ({referral.shutdown_checks} checks)")


def serve_demo(ctx: typer.Context) -> None:
    """The demonstration's people, their passwords shown once, and the app on 127.0.0.1."""
    from swordnet.bootstrap import bootstrap
    from swordnet.cli.serve import run_server, server_options
    from swordnet.demo.accounts import create_demo_accounts, demo_serving_settings
    from swordnet.web.app import create_app

    settings = demo_serving_settings(state(ctx).settings())
    options = server_options(settings, host="127.0.0.1", workers=1, behind_proxy=False)
    container = bootstrap(settings)
    try:
        accounts = create_demo_accounts(container)
        # plain lines, never a table a narrow terminal could cut a password short in
        print("Demo accounts (user, role, password, belongs to):")
        for account in accounts:
            role = account.role.value + (" (TOTP)" if account.second_factor else "")
            print(
                f"  {account.username:<10} {role:<20} {account.password}  "
                f"{printable(account.belongs_to)}"
            )
        print(
            "These passwords are shown only this once. Accounts marked TOTP show a QR code at "
            "their first sign-in: scan it with an authenticator app and enter its 6-digit code.",
            flush=True,
        )
        run_server(
            settings,
            options,
            echo=lambda line: print(line, flush=True),
            app=create_app(container),
        )
    finally:
        container.close()
