"""robots.txt as RFC 9309 reads it: a conformance table written from the RFC's text.

Each case is (robots.txt, path, allowed?) for the product token ``SwordNetBot``. The
sections named are RFC 9309's.
"""

from __future__ import annotations

import asyncio

import pytest

from swordnet.crawler.politeness import ROBOTS_PARSE_LIMIT, RobotsCache, product_token
from swordnet.plugins.fetchers import Fetcher, FetchResult

USER_AGENT = "SwordNetBot/0.1 (+copyright enforcement; contact the operator)"
SITE = "http://site.example"

# (name, robots.txt, path, allowed)
PATH_MATCHING = [
    # the two failures reported against the standard library's parser
    ("wildcard after slash", "User-agent: *\nDisallow: /*", "/harry", False),
    ("wildcard suffix", "User-agent: *\nDisallow: /phoenix*", "/phoenix.html", False),
    # 2.2.2: rules match the start of the path; matching is case-sensitive
    ("prefix", "User-agent: *\nDisallow: /fish", "/fish.html", False),
    ("prefix, deeper", "User-agent: *\nDisallow: /fish", "/fish/salmon.html", False),
    ("prefix, longer word", "User-agent: *\nDisallow: /fish", "/fishheads", False),
    ("case-sensitive path", "User-agent: *\nDisallow: /fish", "/Fish.asp", True),
    ("not a prefix", "User-agent: *\nDisallow: /fish", "/catfish", True),
    ("trailing slash", "User-agent: *\nDisallow: /fish/", "/fish", True),
    ("trailing slash, inside", "User-agent: *\nDisallow: /fish/", "/fish/", False),
    ("empty disallow", "User-agent: *\nDisallow:", "/anything", True),
    ("query is matched", "User-agent: *\nDisallow: /foo/bar?baz=quz", "/foo/bar?baz=quz", False),
    ("query absent", "User-agent: *\nDisallow: /foo/bar?baz=quz", "/foo/bar", True),
    # 2.2.3: "*" any sequence of characters, "$" the end of the path
    ("star in the middle", "User-agent: *\nDisallow: /fish*.php", "/fishheads/cat.php?x=1", False),
    ("star, case", "User-agent: *\nDisallow: /fish*.php", "/Fish.PHP", True),
    ("dollar anchors", "User-agent: *\nDisallow: /*.php$", "/index.php", False),
    ("dollar, query after", "User-agent: *\nDisallow: /*.php$", "/index.php?x=1", True),
    ("dollar, slash after", "User-agent: *\nDisallow: /*.php$", "/filename.php/", True),
    ("several stars", "User-agent: *\nDisallow: /*/private/*.pdf$", "/a/private/b.pdf", False),
    ("several stars, miss", "User-agent: *\nDisallow: /*/private/*.pdf$", "/a/public/b.pdf", True),
    ("any query", "User-agent: *\nDisallow: /*?", "/page?x=1", False),
    ("any query, none", "User-agent: *\nDisallow: /*?", "/page", True),
    ("dollar on root", "User-agent: *\nAllow: /$\nDisallow: /", "/", True),
    ("dollar on root, page", "User-agent: *\nAllow: /$\nDisallow: /", "/page", False),
    # 2.2.2: the longest (most octets) match wins; allow wins a tie
    ("longer allow", "User-agent: *\nDisallow: /\nAllow: /p", "/page", True),
    ("longer disallow", "User-agent: *\nAllow: /page\nDisallow: /*.htm", "/page.htm", False),
    ("order does not matter", "User-agent: *\nAllow: /p\nDisallow: /", "/page", True),
    (
        "longest of three",
        "User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b/c",
        "/a/b/c/d",
        False,
    ),
    (
        "longest of three, middle",
        "User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b/c",
        "/a/b/x",
        True,
    ),
    ("tie: allow wins", "User-agent: *\nDisallow: /folder\nAllow: /folder", "/folder/page", True),
    ("tie with stars", "User-agent: *\nDisallow: /*.gif\nAllow: /*.gif", "/a.gif", True),
    (
        "allow permits under a wide disallow",
        "User-agent: *\nDisallow: /\nAllow: /public/",
        "/public/x",
        True,
    ),
    ("anchored allow is exact", "User-agent: *\nDisallow: /a\nAllow: /a$", "/a", True),
    ("anchored allow, longer path", "User-agent: *\nDisallow: /a\nAllow: /a$", "/ab", False),
    # 2.2.2: percent-encoding; non-ASCII rules compare with their UTF-8 escapes
    (
        "unicode rule, encoded path",
        "User-agent: *\nDisallow: /foo/bar/ツ",
        "/foo/bar/%E3%83%84",
        False,
    ),
    (
        "encoded rule, unicode path",
        "User-agent: *\nDisallow: /foo/bar/%E3%83%84",
        "/foo/bar/ツ",
        False,
    ),
    ("encoded unreserved", "User-agent: *\nDisallow: /foo/bar/%62%61%7A", "/foo/bar/baz", False),
    ("escape case", "User-agent: *\nDisallow: /foo/%e3%83%84", "/foo/%E3%83%84", False),
    # 5.2: robots.txt itself is always allowed
    ("robots.txt itself", "User-agent: *\nDisallow: /", "/robots.txt", True),
]

# one agent's rules in two groups with another group between them (2.2.1: merged)
_SPLIT_GROUPS = (
    "User-agent: SwordNetBot\nDisallow: /a\n\n"
    "User-agent: *\nDisallow: /\n\n"
    "User-agent: SwordNetBot\nDisallow: /b"
)
_SPLIT_STAR_GROUPS = (
    "User-agent: *\nDisallow: /a\n\n"
    "User-agent: OtherBot\nDisallow: /\n\n"
    "User-agent: *\nDisallow: /b"
)

GROUPS = [
    # 2.2.1: the group naming our product token, case-insensitively, else "*"
    (
        "own group replaces *",
        "User-agent: *\nDisallow: /y\n\nUser-agent: SwordNetBot\nDisallow: /x",
        "/y",
        True,
    ),
    (
        "own group applies",
        "User-agent: *\nDisallow: /y\n\nUser-agent: SwordNetBot\nDisallow: /x",
        "/x",
        False,
    ),
    ("token case", "User-agent: swordnetbot\nDisallow: /x", "/x", False),
    ("upper-case token", "USER-AGENT: SWORDNETBOT\nDISALLOW: /x", "/x", False),
    ("other product", "User-agent: SwordNetBot-Images\nDisallow: /x", "/x", True),
    (
        "other product, * applies",
        "User-agent: SwordNetBot-Images\nDisallow: /\n\nUser-agent: *\nDisallow: /x",
        "/x",
        False,
    ),
    ("other crawler only", "User-agent: OtherBot\nDisallow: /", "/x", True),
    ("no group at all", "# nothing here\n", "/x", True),
    # 2.2.1: several user-agent lines share a group; groups for one agent are merged
    ("shared group", "User-agent: OtherBot\nUser-agent: SwordNetBot\nDisallow: /x", "/x", False),
    (
        "merged groups, first",
        _SPLIT_GROUPS,
        "/a",
        False,
    ),
    (
        "merged groups, second",
        _SPLIT_GROUPS,
        "/b",
        False,
    ),
    (
        "merged groups, rest",
        _SPLIT_GROUPS,
        "/c",
        True,
    ),
    (
        "merged * groups",
        _SPLIT_STAR_GROUPS,
        "/b",
        False,
    ),
    # 2.2: rules outside a group are ignored; comments, blank lines, a byte-order mark
    ("rule before any group", "Disallow: /x\nUser-agent: *\nDisallow: /y", "/x", True),
    ("comment after a rule", "User-agent: * # everyone\nDisallow: /x # not /x", "/x", False),
    ("byte-order mark", "\ufeffUser-agent: *\nDisallow: /x", "/x", False),
    ("CRLF lines", "User-agent: *\r\nDisallow: /x\r\n", "/x", False),
    ("unknown lines ignored", "User-agent: *\nNoindex: /y\nDisallow: /x", "/y", True),
]


class _OneResponse(Fetcher):
    """Answers every URL with one canned response and counts the requests."""

    name = "canned"

    def __init__(self, status: int = 200, body: bytes = b"", **fields: object) -> None:
        self.status, self.body, self.fields = status, body, fields
        self.fetched: list[str] = []

    async def fetch(self, url: str) -> FetchResult:
        self.fetched.append(url)
        body = self.body if not self.fields.get("error") else b""
        return FetchResult(url, url, self.status, {}, body, 0.0, **self.fields)  # type: ignore[arg-type]


def _allowed(fetcher: Fetcher, *paths: str) -> list[bool]:
    robots = RobotsCache(fetcher, USER_AGENT)

    async def ask() -> list[bool]:
        return [await robots.allowed(SITE + path) for path in paths]

    return asyncio.run(ask())


@pytest.mark.parametrize(("name", "robots", "path", "allowed"), PATH_MATCHING + GROUPS)
def test_rfc9309_rule_table(name: str, robots: str, path: str, allowed: bool) -> None:
    assert _allowed(_OneResponse(body=robots.encode("utf-8")), path) == [allowed], name


def test_the_product_token_is_the_leading_name_of_the_user_agent() -> None:
    assert product_token(USER_AGENT) == "SwordNetBot"
    assert product_token("my_crawler-2/1.0") == "my_crawler-"


@pytest.mark.parametrize(
    ("status", "fields", "allowed"),
    [
        (404, {}, True),  # 2.3.1.3 unavailable: anything may be crawled
        (403, {}, True),
        (410, {}, True),
        (500, {}, False),  # 2.3.1.4 unreachable: complete disallow
        (503, {}, False),
        (0, {"error": "connection refused", "retryable": True}, False),
        (0, {"error": "read timed out", "retryable": True}, False),
        # the address policy refused the host: each page is refused for that reason
        (0, {"error": "resolves to ::1 (loopback)", "refused": True}, True),
    ],
)
def test_the_robots_status_decides_for_the_whole_site(
    status: int, fields: dict[str, object], allowed: bool
) -> None:
    fetcher = _OneResponse(status, b"User-agent: *\nAllow: /", **fields)
    assert _allowed(fetcher, "/a", "/b") == [allowed, allowed]
    assert fetcher.fetched == [SITE + "/robots.txt"]  # once per origin


def test_a_robots_txt_of_more_than_500_kib_is_read_to_its_limit() -> None:
    filler = b"# " + b"x" * 97 + b"\n"  # 100-byte comment lines
    early = b"User-agent: *\nDisallow: /early\n"
    late_rule = b"Disallow: /late\n"
    body = early + filler * ((500 * 1024 - len(early) - len(late_rule)) // 100) + late_rule
    assert 500 * 1024 - 100 < len(body) <= 500 * 1024  # the rule ends at the RFC's minimum
    beyond = filler * ((ROBOTS_PARSE_LIMIT + 4096) // 100) + b"Disallow: /beyond\n"
    fetcher = _OneResponse(body=body + beyond)
    assert _allowed(fetcher, "/early", "/late", "/beyond", "/other") == [False, False, True, True]


def test_a_rule_cut_by_the_limit_is_dropped_not_shortened() -> None:
    head = b"User-agent: *\nDisallow: /\n"
    pad = b"#" * (ROBOTS_PARSE_LIMIT - len(head) - len(b"Allow: /a")) + b"\n"
    body = head + pad[:-1] + b"\nAllow: /a/b/c\n"  # "Allow: /a" fits, "/b/c" does not
    assert _allowed(_OneResponse(body=body), "/a/x") == [False]


def test_a_truncated_body_drops_its_partial_last_line() -> None:
    fetcher = _OneResponse(body=b"User-agent: *\nDisallow: /\nAllow: /a", truncated=True)
    assert _allowed(fetcher, "/a/x") == [False]


def test_crawl_delay_comes_from_our_group_and_is_capped() -> None:
    robots = (
        "User-agent: *\nCrawl-delay: 3\n\nUser-agent: SwordNetBot\nCrawl-delay: 1.5\nDisallow: /x"
    )
    cache = RobotsCache(_OneResponse(body=robots.encode()), USER_AGENT)
    assert asyncio.run(cache.crawl_delay(SITE + "/")) == 1.5
    slow = RobotsCache(_OneResponse(body=b"User-agent: *\nCrawl-delay: 3600"), USER_AGENT)
    assert asyncio.run(slow.crawl_delay(SITE + "/")) == 10.0
