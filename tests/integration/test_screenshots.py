"""Screenshots through Debian's Chromium: taken for pages with detections, and the browser
may not reach private addresses the page points it at."""

from __future__ import annotations

import ipaddress
import random
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from swordnet.adapters.fetchers.addresses import AddressPolicy, IPAddress
from swordnet.adapters.screenshots import Screenshot, Screenshotter
from swordnet.bootstrap import Container
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import crawl
from swordnet.services.screenshots import screenshot_detections
from swordnet.simweb.content import chinese_chapter
from swordnet.simweb.server import SimWeb, Site
from swordnet.storage import models

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (make setup does)"
)


def test_pages_with_detections_are_screenshot_and_private_requests_blocked(
    container: Container, tmp_path: Path
) -> None:
    text = chinese_chapter(random.Random(5), 1200)
    reference = tmp_path / "chapter.txt"
    reference.write_text(text, encoding="utf-8")
    register_files(container, [reference])
    site = Site("pirate", "Pirate", "literature")
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines())
    site.add_page(
        "/", '<html><body><a href="/copy.html">copy</a><a href="/clean.html">x</a></body></html>'
    )
    site.add_page(
        "/copy.html",
        f'<html><body><img src="http://10.255.0.2/track.png"><article>{paragraphs}</article></body></html>',
    )
    site.add_page(
        "/clean.html", f"<html><body><p>{chinese_chapter(random.Random(6), 600)}</p></body></html>"
    )
    with SimWeb([site]) as web:
        report = crawl(container, [web.base_urls["pirate"] + "/"])
        shots = screenshot_detections(container, report.run_id)
    assert report.new_detections == 1
    assert shots.taken == 1 and shots.failed == [] and shots.blocked_requests >= 1
    with container.sessions() as session:
        paths = [
            (url, path)
            for url, path in session.execute(
                select(models.Capture.url, models.Capture.screenshot_path)
            )
        ]
    taken = {url.rsplit("/", 1)[-1]: path for url, path in paths if path}
    assert list(taken) == ["copy.html"]
    with Image.open(taken["copy.html"]) as image:
        assert image.width == 1280 and image.height >= 900


class _RebindingPolicy(AddressPolicy):
    """A name server that answers the first lookup of ``internal.test`` with a public
    address and every later one with 127.0.0.2, where an internal service listens."""

    def __init__(self) -> None:
        super().__init__(["127.0.0.1/32"])
        self.answers = ["93.184.216.34"]

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        if host != "internal.test":
            return super().resolve(host, port)
        answer = self.answers.pop(0) if self.answers else "127.0.0.2"
        return [ipaddress.ip_address(answer)]


def test_the_browser_fetches_through_pinned_connections(tmp_path: Path) -> None:
    internal_hits: list[str] = []

    class _Internal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            internal_hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    internal = ThreadingHTTPServer(("127.0.0.2", 0), _Internal)
    threading.Thread(target=internal.serve_forever, daemon=True).start()
    port = internal.server_address[1]
    site = Site("pirate", "Pirate", "literature")
    site.add_page(
        "/page.html",
        f'<html><body><h1>Chapter</h1><img src="http://internal.test:{port}/admin.png">'
        '<img src="/cover.png"></body></html>',
    )
    try:
        with SimWeb([site]) as web:
            shooter = Screenshotter(_RebindingPolicy())
            (shot,) = shooter.capture(
                [(web.base_urls["pirate"] + "/page.html", tmp_path / "p.png")]
            )
    finally:
        internal.shutdown()
        internal.server_close()
    assert isinstance(shot, Screenshot), shot
    assert shot.blocked_requests == 1  # the rebound name, refused when connecting
    assert internal_hits == []
