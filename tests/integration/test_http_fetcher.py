"""The fetcher against real servers on loopback, including hostile ones."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.adapters.fetchers.http import HttpFetcher
from swordnet.plugins.fetchers import FetchResult


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/ok":
            self._send(200, b"<html><body>hello</body></html>")
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            for _ in range(64):  # 4 MB, far over the limit used below
                self.wfile.write(b"\0" * 65536)
        elif self.path == "/loop":
            self._redirect(f"http://127.0.0.1:{port}/loop")
        elif self.path == "/to-private":
            self._redirect("http://10.255.255.1/secret")
        elif self.path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif self.path == "/hop":
            self._redirect("/ok")
        elif self.path == "/set-cookie":
            self.send_response(200)
            self.send_header("Set-Cookie", "visitor=42; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/echo-cookie":
            time.sleep(0.05)  # keep the fetches overlapping
            self._send(200, (self.headers.get("Cookie") or "none").encode())
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                return
        else:
            self._send(404, b"no")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _fetch(url: str, *, allow: list[str], **options: float) -> FetchResult:
    async def run() -> FetchResult:
        fetcher = HttpFetcher(AddressPolicy(allow), **options)  # type: ignore[arg-type]
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(run())


def test_fetches_an_allowed_page_and_follows_redirects(server: str) -> None:
    result = _fetch(f"{server}/hop", allow=["127.0.0.1/32"])
    assert result.ok and b"hello" in result.body
    assert result.final_url == f"{server}/ok" and result.redirects == (f"{server}/hop",)


def test_loopback_is_refused_without_allow_list(server: str) -> None:
    result = _fetch(f"{server}/ok", allow=[])
    assert result.refused and result.error is not None and "loopback" in result.error


def test_redirect_to_private_address_is_refused(server: str) -> None:
    result = _fetch(f"{server}/to-private", allow=["127.0.0.1/32"])
    assert result.refused and "10.255.255.1" in (result.error or "")


def test_redirect_to_metadata_service_is_refused(server: str) -> None:
    result = _fetch(f"{server}/to-metadata", allow=["127.0.0.1/32"])
    assert result.refused and "link-local" in (result.error or "")


def test_dns_name_for_loopback_is_refused(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    result = _fetch(f"http://localhost:{port}/ok", allow=[])
    assert result.refused


def test_redirect_loop_ends_with_an_error(server: str) -> None:
    result = _fetch(f"{server}/loop", allow=["127.0.0.1/32"], max_redirects=3)  # type: ignore[arg-type]
    assert not result.ok and "more than 3 redirects" in (result.error or "")


def test_huge_body_is_truncated_at_the_limit(server: str) -> None:
    result = _fetch(f"{server}/huge", allow=["127.0.0.1/32"], max_body_bytes=100_000)  # type: ignore[arg-type]
    assert result.truncated and len(result.body) == 100_000


def test_slow_drip_gives_up_at_the_total_timeout(server: str) -> None:
    started = time.monotonic()
    result = _fetch(f"{server}/drip", allow=["127.0.0.1/32"], total_timeout_s=1.0)
    assert "gave up after 1 s" in (result.error or "")
    assert time.monotonic() - started < 5


def test_connection_refused_is_recorded_not_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _fetch(f"http://127.0.0.1:{port}/", allow=["127.0.0.1/32"])
    assert not result.ok and result.error


def test_a_cookie_set_once_is_sent_by_every_later_fetch_even_concurrent_ones(server: str) -> None:
    async def run() -> list[FetchResult]:
        fetcher = HttpFetcher(AddressPolicy(["127.0.0.1/32"]))
        try:
            await fetcher.fetch(f"{server}/set-cookie")
            return await asyncio.gather(*(fetcher.fetch(f"{server}/echo-cookie") for _ in range(6)))
        finally:
            await fetcher.aclose()

    results = asyncio.run(run())
    assert [result.body for result in results] == [b"visitor=42"] * 6
