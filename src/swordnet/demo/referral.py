"""The demo's ending: the worst repeat infringer is referred to the police with its figures
weighed against the criminal thresholds, and its shutdown request goes to the telecom
regulator, which answers through SwordNet's API; the site is then stopped and re-checks
verify it gone.

The regulator is simulated: a loopback SMTP server receives the request, and a small
client holding a telecom partner's API token accepts it and records the outcome against
SwordNet's API, served on loopback for the purpose. Everything else goes through the
services an officer's browser would call, as the Guangdong officer.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import func, select

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.demo.parties import PROVINCE, demo_agencies, demo_user, place_in_province
from swordnet.domain.cases import FigureName, ReferralKind
from swordnet.domain.kinds import Role
from swordnet.services import bundles
from swordnet.services.access import Principal, load_principal
from swordnet.services.cases import manage, package, referrals
from swordnet.services.cases.shutdowns import recheck_shutdowns
from swordnet.services.context import AppContext
from swordnet.services.credentials import create_token
from swordnet.services.platforms import site_key
from swordnet.simweb.server import SimWeb
from swordnet.storage import models
from swordnet.web.app import create_app

Echo = Callable[[str], None]

# What an investigator reads off the site's own VIP page (see simweb.world.VIP_PAGE_TEXT).
_PRICE = re.compile(r"CNY\s*([\d,]+)\s*a year")
_MEMBERS = re.compile(r"([\d,]+)\s*VIP members")
_VIEWS = re.compile(r"([\d,]+)\s*article views")
# Re-checks a few seconds apart verify the shutdown within the demo (the default asks for
# two checks over seven days).
CONFIRM_SECONDS = 2.0
CONFIRM_CHECKS = 2


@dataclass
class DemoReferral:
    case_id: int | None = None
    site: str = ""
    figures: list[str] = field(default_factory=list)
    conduct_date: str = ""
    rule_set: str = ""
    reached: str | None = None
    reached_by_partial_rule: bool = False
    unverified_caution: bool = False
    evaluation_en: list[str] = field(default_factory=list)
    criminal_referral_id: int | None = None
    package: str = ""
    package_sha256: str = ""
    bundle: str = ""
    bundle_sha256: str = ""
    shutdown_referral_id: int | None = None
    regulator_answers: list[str] = field(default_factory=list)
    shutdown_checks: int = 0
    shutdown_verified: bool = False


@dataclass(frozen=True)
class _VipFigures:
    url: str
    captured: str
    sha256: str
    price: Decimal | None
    members: Decimal | None
    views: Decimal | None


def _number(pattern: re.Pattern[str], text: str) -> Decimal | None:
    found = pattern.search(text)
    return Decimal(found.group(1).replace(",", "")) if found else None


def _vip_page(container: AppContext, platform_id: int) -> _VipFigures | None:
    """The site's membership figures as the crawl captured them, with the capture."""
    with container.sessions() as session:
        rows = session.execute(
            select(models.ExtractedItem.text, models.Capture)
            .join(models.Capture, models.Capture.id == models.ExtractedItem.capture_id)
            .where(
                models.Capture.platform_id == platform_id,
                models.ExtractedItem.kind == "text",
                models.ExtractedItem.text.like("%VIP members%"),
            )
            .order_by(models.Capture.id)
        ).all()
    for text, capture in rows:
        price = _number(_PRICE, text or "")
        if price is not None:
            return _VipFigures(
                url=capture.url,
                captured=capture.fetched_at.strftime("%Y-%m-%d %H:%M UTC"),
                sha256=capture.sha256 or "",
                price=price,
                members=_number(_MEMBERS, text or ""),
                views=_number(_VIEWS, text or ""),
            )
    return None


def _worst_case(container: AppContext) -> models.Case | None:
    """The escalated case gathering the most confirmed detections."""
    held = (
        select(func.count())
        .select_from(models.case_detection)
        .where(models.case_detection.c.case_id == models.Case.id)
        .correlate(models.Case)
        .scalar_subquery()
    )
    with container.sessions() as session:
        case: models.Case | None = session.scalars(
            select(models.Case)
            .where(models.Case.source == "escalation")
            .order_by(held.desc(), models.Case.id)
            .limit(1)
        ).first()
        if case is not None:
            session.expunge(case)
        return case


def _record_figures(
    container: AppContext, officer: Principal, case: models.Case, result: DemoReferral
) -> None:
    now = models.utcnow()
    vip = _vip_page(container, case.platform_id) if case.platform_id else None
    with container.sessions() as session, session.begin():
        manage.transition(session, officer, case.id, "investigate", now=now)
        works = session.scalar(
            select(func.count(func.distinct(models.Detection.work_id)))
            .select_from(models.Detection)
            .join(
                models.case_detection, models.case_detection.c.detection_id == models.Detection.id
            )
            .where(models.case_detection.c.case_id == case.id)
        )
        figures: list[tuple[FigureName, Decimal, str | None, str]] = [
            (
                FigureName.WORKS_DISSEMINATED,
                Decimal(works or 0),
                None,
                f"distinct works among the confirmed detections of case {case.id} (SwordNet crawl)",
            )
        ]
        if vip is not None:
            page = f"the site's VIP page {vip.url}, captured {vip.captured}, SHA-256 {vip.sha256}"
            if vip.members is not None:
                figures.append((FigureName.REGISTERED_MEMBERS, vip.members, None, page))
                volume = vip.price * vip.members if vip.price is not None else None
                if volume is not None:
                    figures.append(
                        (
                            FigureName.ILLEGAL_BUSINESS_VOLUME,
                            volume,
                            "CNY",
                            f"VIP price CNY {vip.price} a year × {vip.members} members, both "
                            f"as stated on {page}",
                        )
                    )
            if vip.views is not None:
                figures.append(
                    (FigureName.ACTUAL_CLICKS, vip.views, None, f"the site's own counter on {page}")
                )
        for name, value, currency, source in figures:
            manage.record_figure(
                session,
                officer,
                case.id,
                name=name,
                value=value,
                source=source,
                currency=currency,
                now=now,
            )
            shown = f"{currency} {value:,}" if currency else f"{value:,}"
            result.figures.append(f"{name.value} {shown} ({source})")


@contextmanager
def _serving_api(container: AppContext) -> Iterator[str]:
    """SwordNet's web app and API on a loopback port, for the simulated regulator."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(container), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name="demo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo's API did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _simulated_regulator(api: str, token: str, sink: LoopbackSmtpSink) -> list[str]:
    """The telecom regulator reads the request it received by e-mail and answers it in its
    SwordNet inbox through the API: accept, then the outcome."""
    answers = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api, headers=headers, timeout=30) as client:
        for message in sink.messages:
            found = re.search(r"shutdown-request-(\d+)-", str(message["Message-ID"]))
            if found is None:
                continue
            request_id = int(found.group(1))
            inbox = client.get("/api/v1/referrals", params={"status": "sent"})
            inbox.raise_for_status()
            for item in inbox.json()["items"]:
                if item["shutdown_request_id"] != request_id:
                    continue
                client.post(f"/api/v1/referrals/{item['id']}/accept").raise_for_status()
                answers.append(f"accepted referral {item['id']}")
                outcome = client.post(
                    f"/api/v1/referrals/{item['id']}/outcome",
                    json={
                        "outcome": "action_taken",
                        "text": "shut down: access to the site stopped at the hosting provider",
                    },
                )
                outcome.raise_for_status()
                answers.append(f"outcome recorded: {outcome.json()['outcome']} (shut down)")
    return answers


def _site_of(web: SimWeb, domain: str) -> str | None:
    return next((key for key, url in web.base_urls.items() if site_key(url) == domain), None)


def refer_and_shut_down(container: AppContext, web: SimWeb, echo: Echo) -> DemoReferral:
    result = DemoReferral()
    agencies = demo_agencies(container)
    place_in_province(container)
    officer_id = demo_user(
        container,
        "guangdong",
        Role.OFFICER,
        {"agency_id": agencies.province, "region_code": PROVINCE},
    )
    telecom_id = demo_user(
        container, "telecom", Role.PARTNER, {"agency_id": agencies.telecom, "region_code": PROVINCE}
    )
    with container.sessions() as session:
        # the demo acts as the Guangdong officer, signed in with the second factor
        officer = load_principal(session, officer_id, second_factor=True)
    case = _worst_case(container)
    if officer is None or case is None:
        echo("    no escalated case to refer")
        return result
    platform_domain = (case.target_identifiers or {}).get("domain", "")
    result.case_id, result.site = case.id, platform_domain
    _record_figures(container, officer, case, result)

    # the evaluation and the police referral package
    home = Path(container.settings.home) / "referrals"
    home.mkdir(parents=True, exist_ok=True)
    now = models.utcnow()
    with container.sessions() as session:
        built = package.build_package(container.sessions, session, officer, case.id, now=now)
    pdf = package.render_package_pdf(built)
    path = home / f"case-{case.id}-referral-package.pdf"
    path.write_bytes(pdf)
    result.package, result.package_sha256 = str(path), hashlib.sha256(pdf).hexdigest()
    evidence = home / f"case-{case.id}-evidence.zip"
    bundles.export_case_bundle(container, case.id, evidence)
    result.bundle = str(evidence)
    result.bundle_sha256 = hashlib.sha256(evidence.read_bytes()).hexdigest()
    evaluation = built.evaluation
    result.conduct_date = evaluation.conduct_date.isoformat()
    if evaluation.report is not None:
        e = evaluation.report.evaluation
        result.rule_set = e.rule_set.id
        result.reached = e.reached.level.id if e.reached else None
        result.reached_by_partial_rule = bool(e.reached and e.reached.by_partial)
        result.unverified_caution = e.unverified
        result.evaluation_en = list(evaluation.report.lines_en)
    with container.sessions() as session, session.begin():
        referral = referrals.refer(
            session,
            officer,
            case.id,
            agency_id=agencies.police,
            kind=ReferralKind.CRIMINAL,
            message=(
                f"Referral package {path.name}, SHA-256 {result.package_sha256}; "
                f"evidence bundle {evidence.name}, SHA-256 {result.bundle_sha256}"
            ),
            now=now,
        )
        result.criminal_referral_id = referral.id
        request_id = session.scalar(
            select(models.ShutdownRequest.id).where(
                models.ShutdownRequest.case_id == case.id,
                models.ShutdownRequest.status == "draft",
            )
        )
    echo(
        f"7/8 case {case.id} ({platform_domain}) referred to the Guangdong police, package "
        f"{path.name}; thresholds: {result.reached or 'no level reached'}"
    )
    if request_id is None:
        return result

    _shut_down(container, web, officer, telecom_id, request_id, result, echo)
    return result


def _shut_down(
    container: AppContext,
    web: SimWeb,
    officer: Principal,
    telecom_id: int,
    request_id: int,
    result: DemoReferral,
    echo: Echo,
) -> None:
    """The shutdown request sent, answered by the simulated regulator through the API, the
    site stopped, and re-checks a few seconds apart that verify it gone."""
    now = models.utcnow()
    platform_domain = result.site
    telecom = _telecom_name(container, telecom_id)
    token_scopes = ["referrals.read", "referrals.answer"]
    _, token = create_token(
        container.sessions,
        telecom_id,
        name="simulated regulator",
        scopes=token_scopes,
        actor="swordnet demo",
        now=now,
        days=1,
    )
    with LoopbackSmtpSink() as sink, _serving_api(container) as api:
        sent = referrals.send_shutdown_request(
            container.sessions,
            container.notifier("smtp", smtp_host=sink.host, smtp_port=sink.port),
            officer,
            request_id,
            now=models.utcnow(),
        )
        result.shutdown_referral_id = sent.id
        result.regulator_answers = _simulated_regulator(api, token, sink)
    # the hosting provider complies: the site stops answering
    key = _site_of(web, platform_domain)
    if key is not None:
        web.stop_site(key)
    settings = container.settings.enforcement.model_copy(
        update={
            "shutdown_confirm_days": CONFIRM_SECONDS / 86400,
            "shutdown_confirm_checks": CONFIRM_CHECKS,
        }
    )
    for check in range(1, CONFIRM_CHECKS + 3):
        summary = recheck_shutdowns(
            container.sessions, container.fetcher, settings, now=models.utcnow(), actor="guangdong"
        )
        result.shutdown_checks = check
        if sent.id in summary.verified:
            result.shutdown_verified = True
            break
        time.sleep(CONFIRM_SECONDS + 0.1)
    verdict = "verified" if result.shutdown_verified else "NOT verified"
    echo(
        f"8/8 shutdown request sent to {telecom}; "
        f"regulator: {'; '.join(result.regulator_answers) or 'no answer'}; "
        f"site shut down: {verdict} ({result.shutdown_checks} checks)"
    )


def _telecom_name(container: AppContext, user_id: int) -> str:
    with container.sessions() as session:
        user = session.get_one(models.User, user_id)
        agency = session.get(models.Agency, user.agency_id) if user.agency_id else None
        return agency.name if agency is not None else "the telecom regulator"


def demo_secret_key() -> str:
    """A secret for the demo's own loopback API (its sessions live as long as the run)."""
    return secrets.token_urlsafe(32)
