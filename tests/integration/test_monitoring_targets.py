"""Monitoring targets: sitemaps, search templates, schedules and the scheduler loop."""

from __future__ import annotations

import html
import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.bootstrap import Container
from swordnet.crawler.engine import CrawlReport
from swordnet.domain.errors import SwordNetError
from swordnet.services.catalogue import WorkSpec, register_files
from swordnet.services.monitoring import (
    TargetOutcome,
    TargetSpec,
    add_target,
    due_targets,
    run_due,
    run_forever,
    run_target,
)
from swordnet.simweb.content import chinese_chapter
from swordnet.simweb.server import Request, Response, SimWeb, Site
from swordnet.storage import models


def _site(copy: str, where: dict[str, str]) -> Site:
    """``where["base"]`` is filled in once the site is served (the sitemap names full URLs)."""
    site = Site("books", "Books", "literature")
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in copy.splitlines())
    site.add_page(
        "/hidden/chapter.html", f"<html><body><article>{paragraphs}</article></body></html>"
    )
    site.add_page("/other.html", "<html><body><p>nothing here</p></body></html>")
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>{base}/hidden/chapter.html</loc></url><url><loc>{base}/other.html</loc></url>"
        "</urlset>"
    )

    def serve_sitemap(request: Request) -> Response:
        return Response(sitemap.replace("{base}", where["base"]).encode(), "application/xml")

    def search(request: Request) -> Response:
        query = request.query.get("q", [""])[0]
        hit = '<a href="/hidden/chapter.html">result</a>' if query == "星河" else "no result"
        return Response(f"<html><body>{hit}</body></html>".encode())

    site.routes["/sitemap.xml"] = serve_sitemap
    site.routes["/search"] = search
    return site


@pytest.fixture
def catalogued(container: Container, tmp_path: Path) -> str:
    text = chinese_chapter(random.Random(21), 1200)
    path = tmp_path / "chapter.txt"
    path.write_text(text, encoding="utf-8")
    register_files(container, [path], WorkSpec(title="星河", key_work=True))
    return text


def _detected_urls(container: Container) -> set[str]:
    with container.sessions() as session:
        return set(session.scalars(select(models.Detection.url)))


def test_sitemap_target_reaches_unlinked_pages(container: Container, catalogued: str) -> None:
    where: dict[str, str] = {}
    site = _site(catalogued, where)
    with SimWeb([site]) as web:
        where["base"] = web.base_urls["books"]
        add_target(
            container.sessions,
            TargetSpec(name="map", sitemap_url=web.base_urls["books"] + "/sitemap.xml"),
        )
        report = run_target(container, "map")
    assert report.pages == 2 and report.new_detections == 1
    assert _detected_urls(container) == {web.base_urls["books"] + "/hidden/chapter.html"}


def test_search_template_is_filled_with_key_work_titles(
    container: Container, catalogued: str
) -> None:
    where: dict[str, str] = {}
    site = _site(catalogued, where)
    with SimWeb([site]) as web:
        where["base"] = web.base_urls["books"]
        template = web.base_urls["books"] + "/search?q={query}"
        add_target(
            container.sessions, TargetSpec(name="search", query_template=template, max_depth=1)
        )
        report = run_target(container, "search")
    assert report.new_detections == 1
    with container.sessions() as session:
        seeds = set(
            session.scalars(select(models.FrontierUrl.url).where(models.FrontierUrl.depth == 0))
        )
    assert seeds == {web.base_urls["books"] + "/search?q=%E6%98%9F%E6%B2%B3"}


def test_scheduler_runs_due_targets_and_schedules_the_next_run(
    container: Container, catalogued: str
) -> None:
    where: dict[str, str] = {}
    site = _site(catalogued, where)
    reports: list[tuple[str, CrawlReport]] = []
    stop = threading.Event()

    def collect(outcome: TargetOutcome) -> None:
        assert outcome.report is not None, outcome.error
        reports.append((outcome.name, outcome.report))
        if len(reports) == 2:
            stop.set()

    with SimWeb([site]) as web:
        where["base"] = web.base_urls["books"]
        base = web.base_urls["books"]
        add_target(
            container.sessions,
            TargetSpec(name="a", seeds=[base + "/hidden/chapter.html"], interval_s=3600),
        )
        add_target(
            container.sessions, TargetSpec(name="b", seeds=[base + "/other.html"], interval_s=60)
        )
        loop = threading.Thread(
            target=run_forever,
            args=(container,),
            kwargs={"poll_s": 0.1, "stop": stop, "on_outcome": collect},
            daemon=True,
        )
        loop.start()
        loop.join(60)
    assert not loop.is_alive() and sorted(name for name, _ in reports) == ["a", "b"]
    now = models.utcnow()
    assert due_targets(container.sessions, now) == []
    soon = [t.name for t in due_targets(container.sessions, now + timedelta(seconds=120))]
    assert soon == ["b"]


def test_bad_targets_are_refused_with_a_reason(container: Container) -> None:
    with pytest.raises(SwordNetError, match="needs seed URLs"):
        add_target(container.sessions, TargetSpec(name="empty"))
    with pytest.raises(SwordNetError, match=r"\{query\}"):
        add_target(
            container.sessions, TargetSpec(name="t", query_template="http://x.example/search")
        )
    with pytest.raises(SwordNetError, match="not an http"):
        add_target(container.sessions, TargetSpec(name="f", seeds=["file:///etc/passwd"]))
    add_target(container.sessions, TargetSpec(name="dup", seeds=["http://x.example/"]))
    with pytest.raises(SwordNetError, match="exists already"):
        add_target(container.sessions, TargetSpec(name="dup", seeds=["http://x.example/"]))


def test_a_failing_due_target_is_reported_and_the_others_still_run(
    container: Container, catalogued: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    where: dict[str, str] = {}
    site = _site(catalogued, where)
    with SimWeb([site]) as web:
        where["base"] = base = web.base_urls["books"]
        # "a" runs first (targets run in next_run_at order) and fails
        add_target(container.sessions, TargetSpec(name="a", seeds=[base + "/other.html"]))
        add_target(container.sessions, TargetSpec(name="b", seeds=[base + "/hidden/chapter.html"]))
        with container.sessions() as session, session.begin():
            broken = session.scalars(
                select(models.MonitoringTarget).where(models.MonitoringTarget.name == "a")
            ).one()
            broken.seeds = ["http://[::1/"]  # stored before seeds were checked
        outcomes = run_due(container)
    assert [outcome.name for outcome in outcomes] == ["a", "b"]
    assert outcomes[0].report is None and "malformed seed" in (outcomes[0].error or "")
    assert outcomes[1].report is not None and outcomes[1].report.new_detections == 1


def test_ipv6_seeds_are_kept_bracketed_and_refused_by_the_address_policy(
    container: Container,
) -> None:
    add_target(container.sessions, TargetSpec(name="v6", seeds=["http://[2001:DB8::1]/"]))
    report = run_target(container, "v6")
    with container.sessions() as session:
        target = session.scalars(select(models.MonitoringTarget)).one()
        platform = session.get_one(models.Platform, target.platform_id)
        assert (target.seeds, platform.domain) == (["http://[2001:db8::1]/"], "[2001:db8::1]")
    assert (report.pages, report.refused) == (0, 1)


def test_a_malformed_seed_is_refused_with_what_to_do(container: Container) -> None:
    for seed in ("http://x.example:99999/", "http://[::1/", "http://x.example:port/"):
        with pytest.raises(SwordNetError, match="malformed URL, correct it"):
            add_target(container.sessions, TargetSpec(name="bad", seeds=[seed]))
