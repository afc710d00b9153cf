"""IPv6 and malformed links in a real crawl: one bad link never loses its page."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.bootstrap import Container, bootstrap
from swordnet.crawler.engine import CrawlPolicy
from swordnet.services.crawling import crawl
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.server import SimWeb, Site
from swordnet.storage import models

_LINKS = [
    "http://[::1]/a",  # the tester's link: lost its brackets, then its page
    "http://[2001:db8::1]:8080/b",
    "http://bad.example:99999/",
    "http://[::1/unclosed",
    "http://exa\u00a0mple.example/",
    "/next.html",
]


def _site() -> Site:
    site = Site("v6", "Links", "literature")
    anchors = "".join(f'<a href="{link}">link</a>' for link in _LINKS)
    site.add_page("/", f"<html><body><p>chapter one</p>{anchors}</body></html>")
    site.add_page("/next.html", "<html><body><p>chapter two</p></body></html>")
    return site


def _container(tmp_path: Path, *networks: str) -> Container:
    crawler = CrawlerSettings(allow_networks=list(networks), max_pages=20)
    return bootstrap(Settings(home=tmp_path / "home", workers=1, crawler=crawler))


def _states(container: Container, base: str) -> dict[str, str]:
    with container.sessions() as session:
        return {
            row.url.removeprefix(base): row.state
            for row in session.scalars(select(models.FrontierUrl))
        }


def test_a_page_with_ipv6_and_malformed_links_is_kept_and_its_good_links_followed(
    tmp_path: Path,
) -> None:
    container = _container(tmp_path, "127.0.0.1/32")
    with SimWeb([_site()]) as web:
        base = web.base_urls["v6"]
        report = crawl(container, [base + "/"], CrawlPolicy(max_pages=10, max_depth=2))
    states = _states(container, base)
    container.close()
    assert states["/"] == "done" and states["/next.html"] == "done"
    assert report.pages == 2 and not report.errors


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_an_ipv6_site_is_crawled_only_when_its_network_is_allow_listed(tmp_path: Path) -> None:
    with SimWeb([_site()], host="::1") as web:
        base = web.base_urls["v6"]
        assert base.startswith("http://[::1]:")
        refused = _container(tmp_path / "refused", "127.0.0.1/32")
        refused_report = crawl(refused, [base + "/"], CrawlPolicy(max_pages=10, max_depth=2))
        refused.close()
        allowed = _container(tmp_path / "allowed", "::1/128")
        report = crawl(allowed, [base + "/"], CrawlPolicy(max_pages=10, max_depth=2))
        hits = web.hits("v6")
    assert refused_report.pages == 0 and refused_report.refused == 1
    assert report.pages == 2 and hits["/"] == 1 and hits["/next.html"] == 1
    with allowed.sessions() as session:
        domains = set(session.scalars(select(models.Platform.domain)))
    allowed.close()
    assert any(domain.startswith("[::1]:") for domain in domains), domains
