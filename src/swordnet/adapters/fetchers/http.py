"""HTTP(S) fetching with httpx: address policy on every hop, size and time limits.

Each fetch checks out an ``AsyncClient`` of its own from a small free list, preferring
one that last talked to the same origin. httpcore walks every connection of a pool on
each request and each response close, so one client shared by dozens of concurrent
fetches spent more CPU managing its pool than sending requests; clients that each serve
one fetch at a time keep that walk to a connection or two. All clients share one TLS
context (building one costs milliseconds).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, ClassVar, Self
from urllib.parse import urljoin, urlsplit

import httpx

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.domain.errors import UnsafeAddressError
from swordnet.plugins.fetchers import Fetcher, FetchResult

if TYPE_CHECKING:
    from swordnet.settings import CrawlerSettings, Settings

_REDIRECT_CODES = {301, 302, 303, 307, 308}
_IDLE_CONNECTIONS_PER_CLIENT = 2


class HttpFetcher(Fetcher):
    name: ClassVar[str] = "http"

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        user_agent: str = "SwordNetBot/0.1",
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 10.0,
        total_timeout_s: float = 30.0,
        max_body_bytes: int = 20 * 1024 * 1024,
        max_redirects: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self.total_timeout_s = total_timeout_s
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self._transport = transport
        self._client_options: dict[str, object] = {
            "headers": {"user-agent": user_agent, "accept-encoding": "gzip, deflate"},
            "timeout": httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
            "follow_redirects": False,  # each hop is checked against the address policy
            "trust_env": False,
        }
        self._cookies = CookieJar()  # one jar for all clients: a site sees one visitor
        self._tls: ssl.SSLContext | None = None
        self._idle: dict[str, list[httpx.AsyncClient]] = {}
        self._clients: list[httpx.AsyncClient] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls.from_crawler_settings(settings.crawler)

    @classmethod
    def from_crawler_settings(cls, crawler: CrawlerSettings) -> Self:
        return cls(
            AddressPolicy(crawler.allow_networks),
            user_agent=crawler.user_agent,
            connect_timeout_s=crawler.connect_timeout_s,
            read_timeout_s=crawler.read_timeout_s,
            total_timeout_s=crawler.total_timeout_s,
            max_body_bytes=crawler.max_body_bytes,
            max_redirects=crawler.max_redirects,
        )

    def _checkout(self, url: str) -> tuple[str, httpx.AsyncClient]:
        """A client for one fetch: one that last fetched from this origin, else any idle one."""
        origin = _origin(url)
        if self._transport is not None and self._clients:
            return origin, self._clients[0]  # a given transport is served by one client
        key = origin if origin in self._idle else next(iter(self._idle), None)
        if key is not None:  # lists are dropped when emptied: any key has a client
            idle = self._idle[key]
            client = idle.pop()
            if not idle:
                del self._idle[key]
            return origin, client
        if self._tls is None:
            self._tls = ssl.create_default_context()
        client = httpx.AsyncClient(
            **self._client_options,  # type: ignore[arg-type]
            verify=self._tls,
            cookies=self._cookies,
            transport=self._transport,
            limits=httpx.Limits(max_keepalive_connections=_IDLE_CONNECTIONS_PER_CLIENT),
        )
        self._clients.append(client)
        return origin, client

    async def fetch(self, url: str) -> FetchResult:
        started = time.monotonic()
        hops: list[str] = []
        origin, client = self._checkout(url)
        try:
            async with asyncio.timeout(self.total_timeout_s):
                return await self._follow(client, url, hops, started)
        except TimeoutError:
            message = f"gave up after {self.total_timeout_s:g} s"
            return self._failure(url, hops, started, message, retryable=True)
        except UnsafeAddressError as exc:
            return self._failure(url, hops, started, f"refused: {exc}", refused=True)
        except httpx.HTTPError as exc:
            message = f"{type(exc).__name__}: {exc}".strip(": ")
            return self._failure(url, hops, started, message, retryable=True)
        finally:
            if self._transport is None and self._clients:  # not closed meanwhile
                self._idle.setdefault(origin, []).append(client)

    async def _follow(
        self, client: httpx.AsyncClient, url: str, hops: list[str], started: float
    ) -> FetchResult:
        current = url
        for _ in range(self.max_redirects + 1):
            if self.policy.needs_lookup(current):
                await asyncio.to_thread(self.policy.check_url, current)  # DNS blocks
            else:
                self.policy.check_url(current)  # a literal address: nothing to resolve
            async with client.stream("GET", current) as response:
                if response.status_code in _REDIRECT_CODES and "location" in response.headers:
                    hops.append(current)
                    current = urljoin(current, response.headers["location"])
                    continue
                body, truncated = await self._read_limited(response)
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=response.status_code,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    body=body,
                    elapsed_s=time.monotonic() - started,
                    redirects=tuple(hops),
                    truncated=truncated,
                )
        return self._failure(url, hops, started, f"more than {self.max_redirects} redirects")

    async def _read_limited(self, response: httpx.Response) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"".join(chunks)[: self.max_body_bytes], True
        return b"".join(chunks), False

    @staticmethod
    def _failure(
        url: str,
        hops: list[str],
        started: float,
        error: str,
        *,
        refused: bool = False,
        retryable: bool = False,
    ) -> FetchResult:
        return FetchResult(
            url=url,
            final_url=hops[-1] if hops else url,
            status=0,
            headers={},
            body=b"",
            elapsed_s=time.monotonic() - started,
            redirects=tuple(hops),
            error=error,
            refused=refused,
            retryable=retryable,
        )

    async def aclose(self) -> None:
        clients, self._clients = self._clients, []
        self._idle.clear()
        for client in clients:
            await client.aclose()


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}"
