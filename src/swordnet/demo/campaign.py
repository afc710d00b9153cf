"""The demonstration campaign: catalogue, simulated pirate web, crawl, detect, brief."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from swordnet.bootstrap import bootstrap
from swordnet.demo.enforcement import DemoEnforcement, enforce
from swordnet.demo.referral import DemoReferral, demo_secret_key, refer_and_shut_down
from swordnet.domain.kinds import PlatformCategory
from swordnet.services.briefing import Briefing, build_briefing
from swordnet.services.catalogue import register_files
from swordnet.services.context import AppContext
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.services.monitoring import take_screenshots
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import World, build_world
from swordnet.storage import models

Echo = Callable[[str], None]


@dataclass
class DemoResult:
    briefing: Briefing
    home: Path
    found: list[str] = field(default_factory=list)  # "site path -> work"
    missed: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    crawl_errors: list[str] = field(default_factory=list)
    enforcement: DemoEnforcement | None = None
    referral: DemoReferral | None = None


def demo_settings(base: Settings) -> Settings:
    """The demo runs on embedded defaults in its own folder, and may crawl loopback only."""
    crawler = CrawlerSettings(allow_networks=["127.0.0.1/32"], per_host_concurrency=4)
    return base.model_copy(
        update={"home": base.home / "demo", "database_url": None, "crawler": crawler}
    )


def write_catalogue(world: World, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for entry in world.catalogue:
        path = directory / entry.filename
        path.write_bytes(entry.content())
        sidecar = {
            "title": entry.title,
            "kind": entry.kind,
            "holder": entry.holder,
            "key_work": entry.key_work,
        }
        path.with_name(path.name + ".json").write_text(
            json.dumps(sidecar, ensure_ascii=False), encoding="utf-8"
        )
        paths.append(path)
    return paths


def run_demo(base: Settings, echo: Echo = print) -> DemoResult:
    settings = demo_settings(base)
    if settings.secret_key is None:  # for the demo's own loopback API (the regulator's)
        settings = settings.model_copy(update={"secret_key": SecretStr(demo_secret_key())})
    if settings.home.exists():
        shutil.rmtree(settings.home)  # every run starts from nothing and ends the same way
    container = bootstrap(settings)
    try:
        world = build_world()
        holders = len({entry.holder for entry in world.catalogue})
        echo(f"1/8 registering {len(world.catalogue)} works from {holders} rights holders")
        outcomes = register_files(container, write_catalogue(world, settings.home / "catalogue"))
        failed = [outcome.error for outcome in outcomes if outcome.error]
        if failed:
            raise RuntimeError(f"demo catalogue failed to register: {failed}")
        with SimWeb(world.sites) as web:
            echo(
                "2/8 simulated pirate web up: "
                + ", ".join(f"{s.name} {web.base_urls[s.key]}" for s in world.sites)
            )
            with container.sessions() as session, session.begin():
                for site in world.sites:
                    get_or_create_platform(
                        session,
                        site_key(web.base_urls[site.key]),
                        name=site.name,
                        category=PlatformCategory(site.category),
                        region="Demo Province",
                    )
            errors: list[str] = []
            for site in world.sites:
                report = crawl(
                    container, [web.base_urls[site.key] + "/"], CrawlPolicy(max_pages=100)
                )
                take_screenshots(container, report)
                errors.extend(report.errors)
                echo(
                    f"3/8 crawled {site.name}: {report.pages} pages, "
                    f"{report.new_detections} detections, {report.screenshots} screenshots"
                )
            skipped = [error for error in errors if error.startswith("screenshots skipped")]
            echo(f"4/8 evidence: WARC captures{'' if skipped else ' and screenshots'} stored")
            if skipped:
                echo(f"    {skipped[0]}")
            enforcement = enforce(container, world, web, echo)
            result = _evaluate(container, world, web, settings.home, errors)
            result.enforcement = enforcement
            result.referral = refer_and_shut_down(container, web, echo)
        return result
    finally:
        container.close()


def _evaluate(
    container: AppContext, world: World, web: SimWeb, home: Path, errors: list[str]
) -> DemoResult:
    with container.sessions() as session:
        found_pairs = {
            (url, title)
            for url, title in session.execute(
                select(models.Detection.url, models.Work.title).join(models.Work)
            )
        }
        briefing = build_briefing(session)
    expected_pairs = {
        (item.url(web.base_urls), world.entry(item.work).title): item.transform
        for item in world.expected
    }
    result = DemoResult(briefing=briefing, home=home, crawl_errors=errors)
    for (url, title), transform in sorted(expected_pairs.items()):
        target = result.found if (url, title) in found_pairs else result.missed
        target.append(f"{url} -> {title} ({transform})")
    result.unexpected = [
        f"{url} -> {title}" for url, title in sorted(found_pairs - expected_pairs.keys())
    ]
    return result
