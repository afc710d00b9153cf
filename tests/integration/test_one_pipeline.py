"""The crawl, ``scan URL`` and the compliance re-check judge every kind of page alike.

One page of each kind the crawler knows is served on loopback: an article, a gallery, a
player with a file, an HLS stream behind a player, a shop listing, a cloud-storage share
link, a torrent and an app download. For each, the works the crawl records (the page and
the media it shows, as its frontier follows them), the works ``scan URL`` reports, and the
works the re-check finds still copied at the URLs the crawl recorded must be the same.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.bootstrap import Container, bootstrap
from swordnet.crawler.engine import CrawlPolicy
from swordnet.demo.campaign import write_catalogue
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import crawl_engine, new_run
from swordnet.services.detection_pipeline import examine_urls
from swordnet.services.scanning import scan_targets
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.server import Response, SimWeb, Site
from swordnet.simweb.world import World, build_world
from swordnet.storage import models

pytestmark = pytest.mark.slow
_HASH = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>"


def _first(world: World, site: str, transform: str | None = None) -> str:
    return next(
        e.path
        for e in world.expected
        if e.site == site and (transform is None or e.transform == transform)
    )


def _every_kind(world: World, web: SimWeb) -> tuple[Site, dict[str, str]]:
    """A site with one page per kind; media stay on the sites that host them."""
    by_key = {entry.key: entry for entry in world.catalogue}
    sites = {site.key: site for site in world.sites}
    site = Site(key="every", name="Every Kind", category="other")
    chapter = by_key["sword-1"]
    site.add_page(
        "/article.html", _page(f"<article><h1>第一章</h1><p>{chapter.text}</p></article>")
    )
    photo = web.base_urls["gallery"] + _first(world, "gallery")
    site.add_page("/gallery.html", _page(f'<h1>Wallpapers</h1><img src="{photo}" alt="x">'))
    track = web.base_urls["music"] + _first(world, "music")
    site.add_page("/player.html", _page(f'<audio controls src="{track}"></audio>'))
    shop_page = _first(world, "shop", "title")
    forum_page = _first(world, "forum", "title")
    site.add_page(
        "/torrent.html",
        _page(
            f'<a href="magnet:?xt=urn:btih:{_HASH}&dn=%E5%89%91%E5%BD%B1%E6%B1%9F%E6%B9%96'
            '%20%E5%85%A8%E9%9B%86%20TXT">剑影江湖 全集 TXT</a>'
        ),
    )
    site.add_page(
        "/app.html",
        _page(
            "<h1>剑影江湖</h1><p>版本: 1.2</p>"
            '<a href="/files/jianying-jianghu-1.2.apk">立即下载</a>'
        ),
    )
    site.routes["/files/jianying-jianghu-1.2.apk"] = Response(
        b"PK\x03\x04not really an app", "application/vnd.android.package-archive"
    )
    pages = {
        "article": "/article.html",
        "gallery": "/gallery.html",
        "player": "/player.html",
        "torrent": "/torrent.html",
        "app": "/app.html",
    }
    urls = {kind: path for kind, path in pages.items()}
    urls["hls"] = web.base_urls["video"] + _first(world, "video")
    urls["listing"] = web.base_urls["shop"] + shop_page
    urls["share_link"] = web.base_urls["forum"] + forum_page
    assert sites  # the world's own sites serve the rest
    return site, urls


def _crawled_works(container: Container, url: str) -> tuple[set[int], set[str]]:
    """Works the crawl of this one page records, following only its media."""
    run_id = new_run(container, [url])
    policy = CrawlPolicy.from_settings(container.settings.crawler, max_depth=1, max_pages=20)
    # a scope no page is in: the page's own links are not followed, its media are
    engine = crawl_engine(container, run_id, policy, {"scope.invalid"})
    asyncio.run(engine.run())
    with container.sessions() as session:
        rows = session.execute(
            select(models.Detection.work_id, models.Detection.url)
            .join(models.Capture, models.Detection.capture_id == models.Capture.id)
            .where(models.Capture.run_id == run_id)
        ).all()
    return {work_id for work_id, _ in rows}, {detected for _, detected in rows}


def test_crawl_scan_and_recheck_find_the_same_works(tmp_path: Path) -> None:
    world = build_world()
    settings = Settings(
        home=tmp_path / "home",
        workers=1,
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], obey_robots=False),
    )
    container = bootstrap(settings)
    try:
        register_files(container, write_catalogue(world, tmp_path / "catalogue"))
        with SimWeb(world.sites) as web:
            site, urls = _every_kind(world, web)
            with SimWeb([site]) as own:
                for kind in ("article", "gallery", "player", "torrent", "app"):
                    urls[kind] = own.base_urls["every"] + urls[kind]
                for kind, url in urls.items():
                    crawled, detected_urls = _crawled_works(container, url)
                    assert crawled, f"{kind}: the crawl found nothing at {url}"
                    scanned = {
                        match.work_id
                        for result in scan_targets(container, [url])
                        for match in result.matches
                    }
                    assert scanned == crawled, f"{kind}: scan {scanned} != crawl {crawled}"
                    rechecked = {
                        match.work_id
                        for found in examine_urls(
                            container, sorted(detected_urls), follow_media=False
                        ).values()
                        for examined in found
                        for match in examined.matches
                    }
                    assert rechecked == crawled, f"{kind}: re-check {rechecked} != {crawled}"
    finally:
        container.close()
