"""Serving simulated sites on 127.0.0.1, one port per site, from one process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit


@dataclass
class Response:
    """A canned response. ``chunks`` streams a body (chunked), ``chunk_delay_s`` apart."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Callable[[], Iterable[bytes]] | None = None
    chunk_delay_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    query: dict[str, list[str]]
    hits: int  # how many times this path was requested before, this one included


Handler = Callable[[Request], Response]


@dataclass
class Site:
    """A named site: its path -> response (or handler) table."""

    key: str
    name: str
    category: str
    routes: dict[str, Response | Handler] = field(default_factory=dict)
    prefixes: dict[str, Handler] = field(default_factory=dict)  # path prefix -> handler

    def add_page(self, path: str, html: str) -> None:
        self.routes[path] = Response(html.encode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        response = self.server.resolve(parts.path, parse_qs(parts.query))
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.chunks is None:
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            try:
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the crawler stopped reading on purpose
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in response.chunks():
                if self.server.stopping.is_set():
                    break
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
                if response.chunk_delay_s:
                    time.sleep(response.chunk_delay_s)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the crawler gave up on purpose

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the crawler records what it fetched."""


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: Site, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.site = site
        self.stopping = threading.Event()
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()

    def resolve(self, path: str, query: dict[str, list[str]]) -> Response:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            hits = self.hits[path]
        route = self.site.routes.get(path)
        if route is None:
            route = next((h for p, h in self.site.prefixes.items() if path.startswith(p)), None)
        if route is None:
            return Response(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
        return route if isinstance(route, Response) else route(Request(path, query, hits))


class SimWeb:
    """Serves ``sites`` until stopped; ``base_urls[key]`` is each site's root URL."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self.base_urls: dict[str, str] = {}
        self._servers: dict[str, _SiteServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self, ports: dict[str, int] | None = None) -> SimWeb:
        for site in self.sites:
            server = _SiteServer(site, (ports or {}).get(site.key, 0))
            thread = threading.Thread(
                target=server.serve_forever, name=f"simweb-{site.key}", daemon=True
            )
            thread.start()
            self._servers[site.key] = server
            self._threads.append(thread)
            self.base_urls[site.key] = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def hits(self, site: str) -> dict[str, int]:
        """Requests served per path: what the crawler really fetched."""
        return dict(self._servers[site].hits)

    def stop(self) -> None:
        for server in self._servers.values():
            server.stopping.set()
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
