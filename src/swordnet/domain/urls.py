"""URLs as the records keep them: canonical form, the site a URL belongs to, its hash.

Pure functions over strings, shared by every layer (the crawler's frontier, detections,
platforms, notices).
"""

from __future__ import annotations

import hashlib
import ipaddress
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
