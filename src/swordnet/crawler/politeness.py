"""robots.txt and per-host pacing."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from swordnet.plugins.fetchers import Fetcher

_MAX_CRAWL_DELAY_S = 10.0


@dataclass
class _Rules:
    parser: RobotFileParser | None  # None: everything allowed
    delay_s: float


class RobotsCache:
    """robots.txt per site, fetched once through the (address-checked) fetcher.

    A missing file (4xx) allows everything; a server error (5xx) disallows the site for
    this run, as a polite crawler should; an unreachable file allows everything.
    """

    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
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
        if response.error is not None or 400 <= response.status < 500:
            return _Rules(None, 0.0)
        parser = RobotFileParser()
        if response.status >= 500:
            parser.parse(["User-agent: *", "Disallow: /"])
            return _Rules(parser, 0.0)
        parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(self.user_agent)
        return _Rules(parser, min(float(delay or 0.0), _MAX_CRAWL_DELAY_S))

    async def allowed(self, url: str) -> bool:
        rules = await self._rules_for(url)
        return rules.parser is None or rules.parser.can_fetch(self.user_agent, url)

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
