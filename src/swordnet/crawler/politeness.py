"""robots.txt (RFC 9309) and per-host pacing."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from swordnet.plugins.fetchers import Fetcher

_MAX_CRAWL_DELAY_S = 10.0
# RFC 9309 2.5: a crawler must parse at least 500 KiB of a robots.txt; beyond the limit
# it may ignore the rest. A little more than the minimum, cut at a line break.
ROBOTS_PARSE_LIMIT = 512 * 1024
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")


@dataclass(frozen=True, slots=True)
class _Rules:
    parser: Protego | None  # None: no rules, everything allowed
    delay_s: float = 0.0
    disallow_all: bool = False  # the file is unreachable or the server failed


def product_token(user_agent: str) -> str:
    """The name a robots.txt group names us by (RFC 9309 2.2.1): the leading letters,
    underscores and hyphens of the User-Agent, ``SwordNetBot`` of ``SwordNetBot/0.1 (…)``.

    Matching groups against the token alone keeps a group for ``Mozilla`` or ``compatible``
    (words a full User-Agent may contain) from applying to us.
    """
    found = _PRODUCT_TOKEN.match(user_agent.strip())
    return found.group(0) if found else user_agent.strip()


def parse_robots(body: bytes, *, truncated: bool = False) -> Protego:
    """Rules of a robots.txt body: UTF-8 (a byte-order mark skipped), the first
    ``ROBOTS_PARSE_LIMIT`` bytes up to their last complete line. ``truncated``: the
    fetcher cut the body short (its own size limit)."""
    if truncated or len(body) > ROBOTS_PARSE_LIMIT:
        # a rule cut in half would be another rule: "Allow: /a/b" would become "Allow: /a"
        body = body[: body.rfind(b"\n", 0, ROBOTS_PARSE_LIMIT) + 1]
    return Protego.parse(body.decode("utf-8-sig", errors="replace"))


class RobotsCache:
    """robots.txt per origin (scheme, host, port), fetched once through the
    (address-checked) fetcher, read as RFC 9309 says (section 2.3.1):

    - 2xx: the rules of the group naming our product token (case-insensitive), else of
      ``*``; the longest matching rule wins, ``allow`` on a tie; ``*`` and ``$`` patterns;
    - 4xx ("unavailable"): everything allowed;
    - 5xx or a network failure ("unreachable"): everything disallowed for this run;
    - refused by the address policy: allowed here, since each page is then refused by the
      same policy with the precise reason.
    """

    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self.token = product_token(user_agent)
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _rules_for(self, url: str) -> _Rules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._rules:
            return self._rules[origin]
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._rules:
                self._rules[origin] = await self._load(origin)
        return self._rules[origin]

    async def _load(self, origin: str) -> _Rules:
        response = await self.fetcher.fetch(f"{origin}/robots.txt")
        if response.refused:
            return _Rules(None)
        if response.error is not None or response.status >= 500:
            return _Rules(None, disallow_all=True)
        if 400 <= response.status < 500:
            return _Rules(None)
        if not 200 <= response.status < 300:  # 1xx, or a 3xx the fetcher did not follow
            return _Rules(None, disallow_all=True)
        parser = parse_robots(response.body, truncated=response.truncated)
        delay = parser.crawl_delay(self.token)
        return _Rules(parser, min(float(delay or 0.0), _MAX_CRAWL_DELAY_S))

    async def allowed(self, url: str) -> bool:
        rules = await self._rules_for(url)
        if rules.disallow_all:
            return False
        return rules.parser is None or rules.parser.can_fetch(url, self.token)

    async def crawl_delay(self, url: str) -> float:
        return (await self._rules_for(url)).delay_s


class HostPacer:
    """At most ``concurrency`` requests in flight per host, ``delay_s`` apart."""

    def __init__(self, concurrency: int, delay_s: float) -> None:
        self.concurrency = max(1, concurrency)
        self.delay_s = delay_s
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    async def acquire(self, host: str, extra_delay_s: float = 0.0) -> None:
        slot = self._slots.setdefault(host, asyncio.Semaphore(self.concurrency))
        await slot.acquire()
        delay = max(self.delay_s, extra_delay_s)
        if delay > 0:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + delay
            if start > now:
                await asyncio.sleep(start - now)

    def release(self, host: str) -> None:
        self._slots[host].release()
