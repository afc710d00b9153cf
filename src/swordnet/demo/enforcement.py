"""The demo's enforcement act: license, notices by e-mail, platforms respond, re-check,
escalation. Everything goes through the same services an officer uses."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.demo.parties import demo_agencies, place_in_province
from swordnet.domain.enforcement import RepeatInfringerPolicy
from swordnet.services.context import AppContext
from swordnet.services.enforcement.authorisation import authorise_new_detections
from swordnet.services.enforcement.compliance import recheck_due
from swordnet.services.enforcement.cycle import run_enforcement_cycle
from swordnet.services.enforcement.escalation import escalate
from swordnet.services.enforcement.review import confirm, review_queue
from swordnet.services.licenses import LicenseTerms, add_license
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.simweb.server import Response, SimWeb
from swordnet.simweb.world import World
from swordnet.storage import models

Echo = Callable[[str], None]

# How each simulated platform answers its notice: how it takes items down, how many of
# what was planted there (in path order), and of which kind of copy (None: any).
_RESPONSES: dict[str, tuple[str, int, str | None]] = {
    "novels": ("placeholder", 3, None),  # three chapters replaced by a "removed" page
    "gallery": ("404", 4, None),  # every picture deleted
    "music": ("410", 1, None),  # one track gone
    "shop": ("placeholder", 2, None),  # the pirated cover and one of two listings
    "forum": ("placeholder", 2, None),  # both threads offering share links taken down
    "reprints": ("ignore", 0, None),  # ignores the notice: escalated
    "video": ("ignore", 0, None),  # keeps restreaming: escalated
}
_REMOVED_PAGE = (
    "<html><head><meta charset='utf-8'></head><body><h1>该内容已被删除</h1>"
    "<p>This content has been removed following a copyright notice.</p></body></html>"
)


@dataclass
class DemoEnforcement:
    notices_sent: int = 0
    emails_received: int = 0
    authorised: int = 0
    removed: int = 0
    still_there: int = 0
    unverified: int = 0
    escalated_sites: list[str] = field(default_factory=list)


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") == "127.0.0.1"


def _prepare(container: AppContext, world: World, web: SimWeb) -> int:
    """Recipients for every site, and the news partner's license for the article it carries;
    returns how many detections the license authorised as it was declared."""
    with container.sessions() as session, session.begin():
        for site in world.sites:
            platform = get_or_create_platform(session, site_key(web.base_urls[site.key]))
            platform.notice_email = f"copyright@{site.key}.example"
            platform.operator = f"{site.name} Ltd."
            platform.icp_filing = f"ICP 2017{zlib.crc32(site.key.encode()) % 100000:05d}"
            platform.hosting_provider = "Demo Cloud Hosting"
        licensed_title = next(
            world.entry(item.work).title
            for item in world.expected
            if item.transform == "licensed reprint"
        )
        work_id = session.scalars(
            select(models.Work.id).where(models.Work.title == licensed_title)
        ).one()
    today = models.utcnow().date()
    terms = LicenseTerms(
        work_id=work_id,
        licensee="Licensed News Partner",
        domains=[site_key(web.base_urls["licensed"])],
        rights=["network_dissemination"],
        starts_on=today - timedelta(days=365),
        ends_on=today + timedelta(days=365),
    )
    return add_license(container.sessions, terms, actor="demo-officer").authorised


def _platforms_respond(world: World, web: SimWeb) -> None:
    sites = {site.key: site for site in world.sites}
    for site_key_name, (how, count, kind) in _RESPONSES.items():
        planted = sorted(
            {
                item.path
                for item in world.expected
                if item.site == site_key_name and kind in (None, item.transform)
            }
        )
        for path in planted[:count]:
            routes = sites[site_key_name].routes
            if how == "placeholder":
                routes[path] = Response(_REMOVED_PAGE.encode())
            elif how == "410":
                routes[path] = Response(b"gone", status=410)
            else:
                routes.pop(path, None)


def enforce(container: AppContext, world: World, web: SimWeb, echo: Echo) -> DemoEnforcement:
    result = DemoEnforcement()
    # the sites are placed in Guangdong and its agencies registered first, so that the
    # shutdown requests escalation drafts name the Guangdong telecom regulator
    demo_agencies(container)
    place_in_province(container)
    authorised_by_license = _prepare(container, world, web)
    now = models.utcnow()
    with container.sessions() as session, session.begin():
        # An officer works through the review queue: licensed uses are set aside first,
        # then what is left is confirmed (a real officer would dismiss some).
        result.authorised = authorised_by_license + len(
            authorise_new_detections(session, actor="demo-officer", now=now).authorised
        )
        queue = review_queue(session, now=now)
        confirm(
            session,
            [entry.detection_id for entry in queue],
            actor="demo-officer",
            now=now,
            reason="reviewed in the demonstration",
        )
    echo(
        f"5/8 review: {result.authorised} licensed use set aside, {len(queue)} detections "
        "confirmed by the officer"
    )
    with LoopbackSmtpSink() as sink:
        cycle = run_enforcement_cycle(
            container.sessions,
            container.settings.enforcement,
            container.notifier("smtp", smtp_host=sink.host, smtp_port=sink.port),
            now=now,
            actor="demo-officer",
        )
        result.emails_received = len(sink.messages)
    result.notices_sent = cycle.notices_sent
    echo(
        f"    notices: {cycle.notices_sent} sent by e-mail to the loopback SMTP server "
        f"({result.emails_received} received)"
    )
    _platforms_respond(world, web)
    later = now + timedelta(days=16)  # past every deadline, e-commerce's 15 days included
    compliance = recheck_due(container, now=later, actor="demo-officer", url_filter=_is_loopback)
    result.removed = compliance.items_removed
    result.still_there = compliance.items_still_there
    result.unverified = compliance.items_unverified
    # The demo's policy: one ignored notice is enough (the default asks for two).
    policy = RepeatInfringerPolicy(
        ignored_notices=1, confirmed_detections=50, window=timedelta(days=90)
    )
    escalation = escalate(
        container.sessions,
        container.settings.enforcement,
        now=later,
        actor="demo-officer",
        policy=policy,
    )
    result.escalated_sites = escalation.sites
    echo(
        f"6/8 re-check after the deadline: {result.removed} notice items verified removed, "
        f"{result.still_there} still there, {result.unverified} not verifiable from here; "
        f"escalated: {', '.join(escalation.sites) or 'none'}"
    )
    return result
