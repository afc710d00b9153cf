"""Serving simulated sites on 127.0.0.1, one port per site, from one process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

_POLL_S = 0.05  # how often a server checks for shutdown: stopping waits at most this


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

    def __init__(self, site: Site, host: str, port: int) -> None:
        # an IPv6 host needs an IPv6 socket; the class attribute is read when binding
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)
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
    """Serves ``sites`` until stopped; ``base_urls[key]`` is each site's root URL.

    ``ports`` fixes a site's port (missing: any free port); ``host`` is the loopback
    address served, ``127.0.0.1`` or ``::1``.
    """

    def __init__(
        self, sites: list[Site], ports: dict[str, int] | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.sites = sites
        self.ports = dict(ports or {})
        self.host = host
        self.base_urls: dict[str, str] = {}
        self._running: dict[str, tuple[_SiteServer, threading.Thread]] = {}

    def start(self) -> SimWeb:
        """Serve every site once; starting again while serving is refused."""
        if self._running:
            raise RuntimeError("this SimWeb is serving already; stop() it before starting again")
        self.base_urls.clear()
        authority = f"[{self.host}]" if ":" in self.host else self.host
        try:
            for site in self.sites:
                server = _SiteServer(site, self.host, self.ports.get(site.key, 0))
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": _POLL_S},
                    name=f"simweb-{site.key}",
                    daemon=True,
                )
                self._running[site.key] = (server, thread)
                thread.start()
                self.base_urls[site.key] = f"http://{authority}:{server.server_address[1]}"
        except BaseException:
            self.stop()  # a port taken: release the sites already bound
            raise
        return self

    def hits(self, site: str) -> dict[str, int]:
        """Requests served per path: what the crawler really fetched."""
        return dict(self._running[site][0].hits)

    def stop_site(self, key: str) -> None:
        """Stop one site: its port refuses connections from now on (a site shut down)."""
        server, thread = self._running.pop(key)
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()

    def stop(self) -> None:
        """Stop every site at once: each takes at most one poll interval to notice."""
        running = list(self._running.values())
        self._running.clear()
        for server, _ in running:
            server.stopping.set()  # ends slow streamed responses
        # shutdown() waits for its loop to notice: in parallel, the wait is paid once
        stoppers = [
            threading.Thread(target=server.shutdown, daemon=True)
            for server, thread in running
            if thread.is_alive()
        ]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for server, thread in running:
            server.server_close()
            thread.join()

    def __enter__(self) -> SimWeb:
        return self if self._running else self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
