"""Every hostile page ends in a recorded, explained outcome: no hang, crash or blow-up."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.bootstrap import Container, bootstrap
from swordnet.crawler.engine import CrawlPolicy
from swordnet.services.crawling import crawl
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.hostile import EXPECTED, build_hostile_site
from swordnet.simweb.server import SimWeb
from swordnet.storage import models


@pytest.fixture
def hostile_container(tmp_path: Path) -> Container:
    crawler = CrawlerSettings(
        allow_networks=["127.0.0.1/32"],
        max_body_bytes=1_000_000,
        total_timeout_s=1.5,
        read_timeout_s=1.0,
        max_redirects=4,
    )
    return bootstrap(Settings(home=tmp_path / "home", workers=1, crawler=crawler))


def test_hostile_site_is_crawled_to_the_end_with_every_failure_explained(
    hostile_container: Container,
) -> None:
    container = hostile_container
    policy = CrawlPolicy(max_pages=80, max_depth=6, max_seconds=120, retry_base_s=0.05)
    with SimWeb([build_hostile_site()]) as web:
        base = web.base_urls["hostile"]
        started = time.monotonic()
        report = crawl(container, [base + "/"], policy)
        elapsed = time.monotonic() - started
        hits = web.hits("hostile")
    container.close()
    assert elapsed < 90, "the crawl must not hang on slow or endless pages"
    assert report.stopped_because in {"frontier empty", "page budget of 80 reached"}
    with container.sessions() as session:
        rows = {
            row.url.removeprefix(base): row for row in session.scalars(select(models.FrontierUrl))
        }
        captures = {c.url.removeprefix(base): c for c in session.scalars(select(models.Capture))}
    for path, expected in EXPECTED.items():
        row = rows[path]
        assert row.state != "queued", f"{path} was never settled"
        explained = f"{row.error or ''} {captures[path].error if path in captures else ''}"
        assert expected in explained, f"{path}: expected {expected!r}, got {explained!r}"
    assert rows["/flaky"].state == "done" and hits["/flaky"] == 3  # two 503s, then success
    assert hits["/always-503"] == 3 and rows["/always-503"].state == "failed"
    assert hits.get("/private/secret.html", 0) == 0  # robots.txt honoured
    assert rows["/malformed"].state == "done" and rows["/binary-as-html"].state == "done"
    recursive = [row for path, row in rows.items() if path.startswith("/recursive/")]
    assert any(row.state == "skipped" and "repeated" in (row.error or "") for row in recursive)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 1500, f"memory blew up: {peak_mb:.0f} MB"


def test_robots_can_be_ignored_per_crawl(hostile_container: Container) -> None:
    container = hostile_container
    policy = CrawlPolicy(max_pages=5, max_depth=0, obey_robots=False)
    with SimWeb([build_hostile_site()]) as web:
        report = crawl(container, [web.base_urls["hostile"] + "/private/secret.html"], policy)
        hits = web.hits("hostile")
    container.close()
    assert report.pages == 1 and hits["/private/secret.html"] == 1 and "/robots.txt" not in hits
