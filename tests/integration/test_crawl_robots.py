"""A real crawl of loopback sites obeys robots.txt as RFC 9309 reads it."""

from __future__ import annotations

from swordnet.bootstrap import Container
from swordnet.crawler.engine import CrawlPolicy
from swordnet.services.crawling import crawl
from swordnet.simweb.server import Response, SimWeb, Site

_PATHS = [
    "/harry",
    "/phoenix.html",
    "/index.php",
    "/index.php?page=2",
    "/books/secret.html",
    "/books/public/one.html",
    "/Books/capital.html",
]


def _site(key: str, robots: str, status: int = 200) -> Site:
    site = Site(key, key, "literature")
    anchors = "".join(f'<a href="{path}">{path}</a>' for path in _PATHS)
    site.add_page("/", f"<html><body>{anchors}</body></html>")
    for path in _PATHS:
        site.add_page(path.split("?")[0], f"<html><body><p>{path}</p></body></html>")
    site.routes["/robots.txt"] = Response(robots.encode(), "text/plain", status=status)
    return site


def _fetched(web: SimWeb, key: str) -> set[str]:
    return set(web.hits(key)) - {"/robots.txt"}


def test_a_crawl_follows_longest_match_wildcards_anchors_and_allow(container: Container) -> None:
    rules = _site(
        "rules",
        "User-agent: *\n"
        "Disallow: /phoenix*\n"  # reported: /phoenix.html was fetched
        "Disallow: /*.php$\n"
        "Disallow: /books/\n"
        "Allow: /books/public/\n"  # longer than /books/: allowed
        "\n"
        "User-agent: OtherBot\n"
        "Disallow: /\n",
    )
    closed = _site("closed", "User-agent: SWORDNETBOT\nDisallow: /*\nAllow: /$\n")
    failing = _site("failing", "down for maintenance", status=503)
    missing = _site("missing", "not here", status=404)
    policy = CrawlPolicy(max_pages=40, max_depth=2)
    with SimWeb([rules, closed, failing, missing]) as web:
        for key in ("rules", "closed", "failing", "missing"):
            crawl(container, [web.base_urls[key] + "/"], policy)
        fetched = {key: _fetched(web, key) for key in ("rules", "closed", "failing", "missing")}
    assert fetched["rules"] == {
        "/",
        "/harry",
        "/index.php",  # requested only with its query: "$" anchors at the end
        "/books/public/one.html",
        "/Books/capital.html",  # paths are case-sensitive
    }
    assert fetched["closed"] == {"/"}  # reported: /harry was fetched under "disallow: /*"
    assert fetched["failing"] == set()  # 5xx: the whole site is off limits
    assert fetched["missing"] == {"/", *(path.split("?")[0] for path in _PATHS)}


def test_the_refusals_are_recorded_with_their_reason(container: Container) -> None:
    site = _site("rules", "User-agent: *\nDisallow: /phoenix*\n")
    with SimWeb([site]) as web:
        report = crawl(container, [web.base_urls["rules"] + "/"], CrawlPolicy(max_pages=20))
    assert report.refused == 1
    assert any("/phoenix.html: robots.txt disallows" in error for error in report.errors)
