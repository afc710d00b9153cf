"""Canonical URLs and site keys: IPv6 literals, zone ids, IDNA, userinfo, bad ports."""

from __future__ import annotations

import pytest

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.crawler.urls import LinkFilter, canonical_url, site_key
from swordnet.domain.errors import UnsafeAddressError


@pytest.mark.parametrize(
    ("url", "canonical", "key"),
    [
        ("http://[::1]/a", "http://[::1]/a", "[::1]"),
        (
            "HTTP://[2001:DB8:0:0::1]:8080/x#top",
            "http://[2001:db8::1]:8080/x",
            "[2001:db8::1]:8080",
        ),
        ("https://[2001:db8::1]:443", "https://[2001:db8::1]/", "[2001:db8::1]"),
        ("http://[fe80::1%25eth0]/", "http://[fe80::1%25eth0]/", "[fe80::1%25eth0]"),
        ("http://[::ffff:10.0.0.1]/", "http://[::ffff:a00:1]/", "[::ffff:a00:1]"),
        (
            "http://Bücher.example/kapitel",
            "http://xn--bcher-kva.example/kapitel",
            "xn--bcher-kva.example",
        ),
        ("http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        ("http://user:secret@Example.COM:80/p?q=1", "http://example.com/p?q=1", "example.com"),
        (
            "http://cdn_01.example.com/v.mp4",
            "http://cdn_01.example.com/v.mp4",
            "cdn_01.example.com",
        ),
        ("http://example.com:8080", "http://example.com:8080/", "example.com:8080"),
        ("https://example.com:80/", "https://example.com:80/", "example.com:80"),
    ],
)
def test_canonical_url_and_site_key(url: str, canonical: str, key: str) -> None:
    assert canonical_url(url) == canonical
    assert site_key(canonical) == key
    assert canonical_url(canonical) == canonical  # idempotent


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com:99999/",
        "http://example.com:http/",
        "http://example.com:0/",
        "http://[::1/",
        "http://[not-an-address]/",
        "http://[1.2.3.4]/",
        "http:///path",
        "http://exa\u00a0mple.example/",  # a no-break space maps to a space: no host name
        "http://\ufffd.example/",  # a replacement character is no IDNA character
    ],
)
def test_malformed_urls_raise_value_error_naming_the_url(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        canonical_url(url)


def test_other_schemes_pass_through() -> None:
    assert canonical_url("MAILTO:dmca@example.com") == "mailto:dmca@example.com"
    assert canonical_url("magnet:?xt=urn:btih:abc#x") == "magnet:?xt=urn:btih:abc"


def test_a_malformed_link_is_skipped_with_its_reason_and_the_others_kept() -> None:
    links: list[tuple[str, str | None]] = [
        ("http://site.example/ok", None),
        ("http://site.example:99999/bad-port", None),
        ("http://[::1/broken", "video"),
        ("http://[::1]/v6", "video"),
    ]
    follow, skipped = LinkFilter({"site.example"}, max_depth=3).split(links, 1)
    assert follow == [("http://site.example/ok", 1), ("http://[::1]/v6", 1)]
    assert [url for url, _ in skipped] == [
        "http://site.example:99999/bad-port",
        "http://[::1/broken",
    ]
    assert all(reason.startswith("malformed URL") for _, reason in skipped)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1]/", "loopback"),
        ("http://[::1%25lo]/", "loopback"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[2002:7f00:1::]/", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("http://[2002:a00:1::]/", "private"),  # 6to4 wrapping 10.0.0.1
    ],
)
def test_canonical_ipv6_urls_are_still_refused_by_the_address_policy(url: str, reason: str) -> None:
    with pytest.raises(UnsafeAddressError, match=reason):
        AddressPolicy().check_url(canonical_url(url))


def test_an_allow_listed_ipv6_network_is_reachable() -> None:
    AddressPolicy(["::1/128"]).check_url(canonical_url("http://[::1]:8080/"))
    with pytest.raises(UnsafeAddressError, match="loopback"):
        AddressPolicy(["127.0.0.1/32"]).check_url(canonical_url("http://[::1]:8080/"))
