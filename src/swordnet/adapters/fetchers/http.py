"""HTTP(S) fetching with httpx: address policy on every hop, size and time limits."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, ClassVar, Self
from urllib.parse import urljoin

import httpx

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.domain.errors import UnsafeAddressError
from swordnet.plugins.fetchers import Fetcher, FetchResult

if TYPE_CHECKING:
    from swordnet.settings import CrawlerSettings, Settings

_REDIRECT_CODES = {301, 302, 303, 307, 308}


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
        self._client = httpx.AsyncClient(
            headers={"user-agent": user_agent, "accept-encoding": "gzip, deflate"},
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
            follow_redirects=False,  # each hop is checked against the address policy
            transport=transport,
            trust_env=False,
        )

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

    async def fetch(self, url: str) -> FetchResult:
        started = time.monotonic()
        hops: list[str] = []
        try:
            return await asyncio.wait_for(self._follow(url, hops, started), self.total_timeout_s)
        except TimeoutError:
            message = f"gave up after {self.total_timeout_s:g} s"
            return self._failure(url, hops, started, message, retryable=True)
        except UnsafeAddressError as exc:
            return self._failure(url, hops, started, f"refused: {exc}", refused=True)
        except httpx.HTTPError as exc:
            message = f"{type(exc).__name__}: {exc}".strip(": ")
            return self._failure(url, hops, started, message, retryable=True)

    async def _follow(self, url: str, hops: list[str], started: float) -> FetchResult:
        current = url
        for _ in range(self.max_redirects + 1):
            await asyncio.to_thread(self.policy.check_url, current)
            async with self._client.stream("GET", current) as response:
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
        await self._client.aclose()
