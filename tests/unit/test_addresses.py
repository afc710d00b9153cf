from __future__ import annotations

import ipaddress

import pytest

from swordnet.adapters.fetchers.addresses import AddressPolicy, refusal_reason
from swordnet.domain.errors import UnsafeAddressError


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.100.100.200", "cloud metadata"),
        ("::ffff:10.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) == reason


def test_public_addresses_pass() -> None:
    assert refusal_reason(ipaddress.ip_address("93.184.216.34")) is None
    assert refusal_reason(ipaddress.ip_address("2606:2800:220:1::")) is None


def test_literal_private_url_is_refused_unless_allow_listed() -> None:
    with pytest.raises(UnsafeAddressError, match="loopback"):
        AddressPolicy().check_url("http://127.0.0.1:8080/")
    AddressPolicy(["127.0.0.1/32"]).check_url("http://127.0.0.1:8080/")


def test_dns_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(UnsafeAddressError, match="localhost resolves to"):
        AddressPolicy().check_url("http://localhost/")


def test_allow_list_is_exact() -> None:
    with pytest.raises(UnsafeAddressError):
        AddressPolicy(["127.0.0.1/32"]).check_url("http://127.0.0.2/")


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "http:///nohost"])
def test_other_schemes_and_hostless_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeAddressError):
        AddressPolicy().check_url(url)


@pytest.mark.parametrize(
    ("url", "resolves"),
    [
        ("http://127.0.0.1:8080/a", False),
        ("http://[::1]/", False),
        ("http://example.org/", True),
        ("http://localhost:80/", True),
    ],
)
def test_only_names_need_a_lookup_literal_addresses_are_checked_inline(
    url: str, resolves: bool
) -> None:
    assert AddressPolicy().needs_lookup(url) is resolves


def test_a_literal_address_is_still_checked_on_every_call() -> None:
    policy = AddressPolicy(["127.0.0.1/32"])
    policy.check_url("http://127.0.0.1/")  # the literal is parsed once and cached
    with pytest.raises(UnsafeAddressError, match="link-local"):
        policy.check_url("http://169.254.169.254/")
    with pytest.raises(UnsafeAddressError, match="loopback"):
        AddressPolicy().check_url("http://127.0.0.1/")  # same literal, other policy
