"""A hostile site: every trick that makes a naive crawler hang, crash or wander.

Each page is listed on the home page so that a crawl meets all of them; ``EXPECTED``
says how each one must end.
"""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Iterator

from swordnet.simweb.server import Request, Response, Site

# path -> what the crawl must record for it (a substring of the frontier/capture error)
EXPECTED = {
    "/slow-drip": "gave up after",
    "/huge": "truncated",
    "/gzip-bomb": "truncated",
    "/loop-a": "redirects",
    "/to-private": "refused",
    "/to-metadata": "refused",
    "/private/secret.html": "robots.txt",
    "/gone": "HTTP 410",
    "/always-503": "HTTP 503",
}


def _html(body: str) -> bytes:
    head = "<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
    return f"{head}<body>{body}</body></html>".encode()


def _redirect(location: str) -> Response:
    return Response(status=302, headers={"Location": location})


def _endless(request: Request) -> Response:
    number = (
        int(request.path.rstrip("/").rsplit("/", 1)[-1] or 0) if request.path != "/endless/" else 0
    )
    return Response(
        _html(
            f'<a href="/endless/{number + 1}">next</a> '
            f'<a href="/endless/{number}/more/{number}">more</a>'
        )
    )


def _calendar(request: Request) -> Response:
    day = int(request.query.get("day", ["0"])[0] or 0)
    return Response(_html(f'<p>Day {day}</p><a href="/calendar?day={day + 1}">tomorrow</a>'))


def _recursive(request: Request) -> Response:
    return Response(_html(f'<a href="{request.path.rstrip("/")}/again/">deeper</a>'))


def _flaky(request: Request) -> Response:
    if request.hits <= 2:
        return Response(_html("busy"), status=503, headers={"Retry-After": "0"})
    return Response(_html("<p>Finally here after two failures.</p>"))


def _huge() -> Iterator[bytes]:
    chunk = b"A" * 65536
    return itertools.repeat(chunk, 16384)  # 1 GiB unless the client stops reading


def _drip() -> Iterator[bytes]:
    return itertools.repeat(b"x", 600)


def _gzip_bomb() -> bytes:
    # about 64 KB on the wire, 64 MB when inflated: past any sane body limit
    return gzip.compress(b"\0" * (1 << 26), compresslevel=9)


def _malformed() -> bytes:
    nested = "<div>" * 20000 + "deep" + "</span>" * 10
    junk = "<p>Unclosed <b>bold <i>italic <table><tr><td>cell</p></b>" * 200
    return (
        b"<html><head><title>bad\x00title</head><body>"
        + nested.encode()
        + b"\xff\xfe\xfa"
        + junk.encode()
    )


def build_hostile_site() -> Site:
    site = Site(key="hostile", name="Hostile Test Site", category="other")
    links = [
        "/slow-drip",
        "/huge",
        "/gzip-bomb",
        "/loop-a",
        "/to-private",
        "/to-metadata",
        "/private/secret.html",
        "/gone",
        "/always-503",
        "/flaky",
        "/malformed",
        "/endless/0",
        "/calendar?day=0",
        "/recursive/",
        "/binary-as-html",
    ]
    site.add_page(
        "/",
        "<html><body>"
        + "".join(f'<a href="{link}">{link}</a> ' for link in links)
        + "</body></html>",
    )
    site.routes["/robots.txt"] = Response(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.routes["/slow-drip"] = Response(chunks=_drip, chunk_delay_s=0.2)
    site.routes["/huge"] = Response(content_type="application/octet-stream", chunks=_huge)
    bomb = _gzip_bomb()
    site.routes["/gzip-bomb"] = Response(bomb, headers={"Content-Encoding": "gzip"})
    site.routes["/loop-a"] = _redirect("/loop-b")
    site.routes["/loop-b"] = _redirect("/loop-a")
    site.routes["/to-private"] = _redirect("http://10.255.0.1/admin")
    site.routes["/to-metadata"] = _redirect("http://169.254.169.254/latest/meta-data/")
    site.routes["/private/secret.html"] = Response(_html("robots.txt says you should not be here"))
    site.routes["/gone"] = Response(_html("removed"), status=410)
    site.routes["/always-503"] = Response(_html("down"), status=503, headers={"Retry-After": "0"})
    site.routes["/flaky"] = _flaky
    site.routes["/malformed"] = Response(_malformed())
    site.routes["/binary-as-html"] = Response(bytes(range(256)) * 64)
    site.routes["/calendar"] = _calendar
    site.prefixes["/endless/"] = _endless
    site.prefixes["/recursive/"] = _recursive
    return site
