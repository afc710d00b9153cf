"""Serving simulated sites on 127.0.0.1, one port per site, from one process."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


@dataclass
class Response:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    """A named site: its path -> response table and what the demo knows about it."""

    key: str
    name: str
    category: str
    routes: dict[str, Response] = field(default_factory=dict)

    def add_page(self, path: str, html: str) -> None:
        self.routes[path] = Response(html.encode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        response = self.server.site.routes.get(path)
        if response is None:
            response = Response(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the crawler records what it fetched."""


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: Site, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.site = site


class SimWeb:
    """Serves ``sites`` until stopped; ``base_urls[key]`` is each site's root URL."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self.base_urls: dict[str, str] = {}
        self._servers: list[_SiteServer] = []
        self._threads: list[threading.Thread] = []

    def start(self, ports: dict[str, int] | None = None) -> SimWeb:
        for site in self.sites:
            server = _SiteServer(site, (ports or {}).get(site.key, 0))
            thread = threading.Thread(
                target=server.serve_forever, name=f"simweb-{site.key}", daemon=True
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
            self.base_urls[site.key] = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SimWeb:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
