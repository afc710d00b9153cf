"""Which network addresses the crawler may reach.

Pirate pages are hostile: a link or a redirect to ``http://169.254.169.254/`` or
``http://10.0.0.5/admin`` must not make the crawler probe the operator's own network.
Every host is resolved and every address it resolves to must be public, unless it lies
inside a network the operator allow-listed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from swordnet.domain.errors import UnsafeAddressError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services sit on link-local (AWS, GCP, Azure) or these special addresses.
_METADATA_ADDRESSES = {
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


def refusal_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public Internet address, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 (mapped, or 6to4 where a relay unwraps it) is
        # judged as the IPv4 address it reaches.
        wrapped = address.ipv4_mapped or address.sixtofour
        if wrapped is not None:
            return refusal_reason(wrapped)
    checks = (
        (address in _METADATA_ADDRESSES, "cloud metadata"),
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "not globally routable"),
    )
    for failed, reason in checks:
        if failed:
            return reason
    return None


@lru_cache(maxsize=4096)
def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class AddressPolicy:
    """Resolves hosts and refuses non-public addresses outside the allow-list."""

    def __init__(self, allow_networks: Iterable[str] = ()) -> None:
        self.allowed: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(network, strict=False) for network in allow_networks
        )

    def is_allowed(self, address: IPAddress) -> bool:
        if any(address in network for network in self.allowed):
            return True
        return refusal_reason(address) is None

    def needs_lookup(self, url: str) -> bool:
        """Whether checking ``url`` resolves a name (slow, blocking) rather than reading
        a literal address."""
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return False  # check_url refuses it without resolving anything
        return bool(host) and _literal(host) is None

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        literal = _literal(host)
        if literal is not None:
            return [literal]
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise UnsafeAddressError(f"cannot resolve {host!r}: {exc}") from exc
        return sorted(
            {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos}, key=str
        )

    def check_url(self, url: str) -> None:
        """Raise ``UnsafeAddressError`` unless every address of the URL's host is allowed."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            raise UnsafeAddressError(f"{url}: scheme {parts.scheme!r} is not fetched")
        if not parts.hostname:
            raise UnsafeAddressError(f"{url}: no host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = self.resolve(parts.hostname, port)
        if not addresses:
            raise UnsafeAddressError(f"{url}: {parts.hostname} resolves to nothing")
        for address in addresses:
            if not self.is_allowed(address):
                reason = refusal_reason(address)
                raise UnsafeAddressError(
                    f"{url}: {parts.hostname} resolves to {address} ({reason}); "
                    "allow-list the network to crawl it"
                )
