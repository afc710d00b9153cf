"""URL hygiene and crawler-trap rules, decided before a URL enters the frontier."""

from __future__ import annotations

import hashlib
import ipaddress
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit, urlunsplit

import idna

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _canonical_host(hostname: str) -> str:
    """A host as it belongs in a URL: IP literals compressed (IPv6 in brackets, its zone
    id kept, RFC 6874), other names lower-case ASCII (IDNA, so that ``bücher.de`` and
    ``xn--bcher-kva.de`` are one site)."""
    address, percent, zone = hostname.partition("%")
    if ":" in address:
        try:
            literal = ipaddress.IPv6Address(address)
        except ValueError as exc:
            raise ValueError(f"{hostname!r} is not an IPv6 address: {exc}") from None
        # a zone id reaches us percent-encoded ("%25eth0"); keep it that way
        zone = zone[2:] if zone.startswith("25") else zone
        return f"[{literal.compressed}%25{zone}]" if percent else f"[{literal.compressed}]"
    if hostname.isascii():
        # ASCII names are only lower-cased: IDNA would refuse the "_" real hosts carry
        return hostname.lower()
    try:
        return idna.encode(hostname, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(
            f"{hostname!r} is not a valid internationalised host name: {exc}"
        ) from None


def _authority(scheme: str, url: str) -> tuple[str, int | None]:
    """(canonical host, port or None when default); ValueError for a malformed authority."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # an unclosed "[", a port not a number or above 65535
        raise ValueError(f"{url!r}: {exc}") from None
    if port == 0:
        raise ValueError(f"{url!r}: port 0 cannot be connected to")
    try:
        host = _canonical_host(parts.hostname or "")
    except ValueError as exc:
        raise ValueError(f"{url!r}: {exc}") from None
    return host, None if port == _DEFAULT_PORTS.get(scheme) else port


def canonical_url(url: str) -> str:
    """Drop the fragment and any userinfo, lower-case scheme and host, IDNA-encode the host,
    keep IPv6 literals bracketed, drop default ports.

    Raises ``ValueError`` for a URL that cannot be fetched as written (a bad port, a broken
    IPv6 literal, an invalid internationalised name, an http(s) URL with no host): the
    caller skips that one link, never the page it was found on.
    """
    try:
        url = urldefrag(url.strip())[0]
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed "[", an IP literal that is no address
        raise ValueError(f"{url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if not parts.netloc and scheme not in _DEFAULT_PORTS:
        return urlunsplit((scheme, "", parts.path, parts.query, ""))  # mailto:, magnet:, …
    host, port = _authority(scheme, url)
    if not host and scheme in _DEFAULT_PORTS:
        raise ValueError(f"{url!r}: no host")
    # Userinfo is dropped: the crawler never logs in, and credentials posted on a pirate
    # page must not travel on into the frontier, the evidence or a notice.
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def site_key(url: str) -> str:
    """The platform key of a URL: its canonical host, with the port when not the default."""
    host, port = _authority(urlsplit(url).scheme.lower(), url)
    return host if port is None else f"{host}:{port}"


def url_sha256(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass
class TrapGuard:
    """Rejects URLs that look like crawler traps.

    Endless calendars, session ids and recursive paths produce unlimited distinct URLs
    for the same few pages: a path segment repeated too often, too many query variants of
    one path, or a very long URL mark a trap.
    """

    max_url_length: int = 2048
    max_segment_repeats: int = 3
    max_query_variants: int = 64
    _variants: Counter[str] = field(default_factory=Counter)

    def reason_to_skip(self, url: str) -> str | None:
        if len(url) > self.max_url_length:
            return f"URL longer than {self.max_url_length} characters"
        parts = urlsplit(url)
        segments = [segment for segment in parts.path.split("/") if segment]
        if segments and Counter(segments).most_common(1)[0][1] > self.max_segment_repeats:
            return "path segment repeated: recursive links"
        if parts.query:
            key = f"{site_key(url)}{parts.path}"
            self._variants[key] += 1
            if self._variants[key] > self.max_query_variants:
                return f"more than {self.max_query_variants} query variants of {parts.path}"
        return None


Links = tuple[list[tuple[str, int]], list[tuple[str, str]]]  # (url, depth), (url, reason)


@dataclass
class LinkFilter:
    """Decides which of a page's (canonical) links enter the frontier, and why not.

    ``known`` remembers URLs already committed to this run's frontier, so that the links
    every page repeats (home, menus, the next chapter) are not sent to the database again
    and again; the database still refuses duplicates, so forgetting is always safe.
    """

    scope: set[str]
    max_depth: int
    media_off_site: bool = True  # pirate pages keep their images and videos on CDNs
    traps: TrapGuard = field(default_factory=TrapGuard)
    max_known: int = 500_000
    _known: set[str] = field(default_factory=set)

    def split(self, links: list[tuple[str, str | None]], depth: int) -> Links:
        """(URLs to queue at ``depth``, URLs skipped with the reason)."""
        follow: list[tuple[str, int]] = []
        skipped: list[tuple[str, str]] = []
        if depth > self.max_depth:
            return follow, skipped
        known = self._known
        for url, media_kind in links:
            if url in known:
                continue
            try:
                in_scope = site_key(url) in self.scope or (
                    media_kind is not None and self.media_off_site
                )
                reason = self.traps.reason_to_skip(url) if in_scope else None
            except ValueError as exc:  # one malformed link is skipped, never its page
                skipped.append((url, f"malformed URL: {exc}"))
                continue
            if not in_scope:
                continue
            if reason:
                skipped.append((url, reason))
            else:
                follow.append((url, depth))
        return follow, skipped

    def remember(self, urls: list[str]) -> None:
        """URLs now committed to the frontier."""
        if len(self._known) + len(urls) > self.max_known:
            self._known.clear()
        self._known.update(urls)
