"""HTTP(S) fetching with httpx: address policy on every hop, size and time limits.

Requests go straight to httpx transports, one per fetch in flight, checked out from a
free list (preferring one that last talked to the same origin):

- httpcore walks every connection of a pool on each request and each response close, so
  one pool shared by dozens of concurrent fetches spent more CPU managing itself than
  sending requests; a transport that serves one fetch at a time keeps that walk to a
  connection or two.
- ``AsyncClient``'s layers (request building, auth and redirect hooks, cookie
  bookkeeping on every response) cost a quarter of each fetch. The fetcher does what it
  needs of them itself: default headers and time-outs, one cookie jar shared by all
  transports (read only when a response sets a cookie), and redirects followed hop by
  hop so that each hop passes the address policy.

All transports share one TLS context (building one costs milliseconds).

Bodies are read raw and inflated here, never more than ``max_body_bytes`` of output per
body: httpx's own decoder inflates each network chunk whole, and a gzip bomb turns 64 kB
into 64 MB in one call. Each piece read is counted on the run's ``meter``.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from typing import TYPE_CHECKING, ClassVar, Self
from urllib.parse import urljoin, urlsplit

import httpx

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.adapters.fetchers.pinning import pinned_transport
from swordnet.domain.errors import UnsafeAddressError
from swordnet.plugins.fetchers import Fetcher, FetchResult


class _BudgetSpentError(Exception):
    """The run's byte meter stopped a body half-read."""


class _UnknownEncodingError(Exception):
    """The body is encoded in a way the fetcher did not ask for."""


if TYPE_CHECKING:
    from swordnet.settings import CrawlerSettings, Settings

_REDIRECT_CODES = {301, 302, 303, 307, 308}
_IDLE_CONNECTIONS_PER_TRANSPORT = 2


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
        self._given = transport  # a test's transport serves every fetch
        self._headers = httpx.Headers(
            {"user-agent": user_agent, "accept-encoding": "gzip, deflate"}
        )
        self._timeouts = httpx.Timeout(read_timeout_s, connect=connect_timeout_s).as_dict()
        self._cookies = httpx.Cookies()  # one jar: a site sees one visitor
        self._tls: ssl.SSLContext | None = None
        self._idle: dict[str, list[httpx.AsyncBaseTransport]] = {}
        self._transports: list[httpx.AsyncBaseTransport] = []
        self._closed = False

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

    def _checkout(self, origin: str) -> httpx.AsyncBaseTransport:
        """A transport for one fetch: one that last fetched from ``origin``, else any."""
        if self._given is not None:
            return self._given
        key = origin if origin in self._idle else next(iter(self._idle), None)
        if key is not None:  # lists are dropped when emptied: any key has a transport
            idle = self._idle[key]
            transport = idle.pop()
            if not idle:
                del self._idle[key]
            return transport
        if self._tls is None:
            self._tls = ssl.create_default_context()
        created = pinned_transport(  # connects only to the addresses it checked
            self.policy,
            verify=self._tls,
            limits=httpx.Limits(max_keepalive_connections=_IDLE_CONNECTIONS_PER_TRANSPORT),
        )
        self._transports.append(created)
        return created

    def _checkin(self, origin: str, transport: httpx.AsyncBaseTransport) -> None:
        if transport is not self._given and not self._closed:
            self._idle.setdefault(origin, []).append(transport)

    async def fetch(self, url: str) -> FetchResult:
        started = time.monotonic()
        hops: list[str] = []
        origin = _origin(url)
        transport = self._checkout(origin)
        try:
            async with asyncio.timeout(self.total_timeout_s):
                return await self._follow(transport, url, hops, started)
        except TimeoutError:
            message = f"gave up after {self.total_timeout_s:g} s"
            return self._failure(url, hops, started, message, retryable=True)
        except UnsafeAddressError as exc:
            return self._failure(url, hops, started, f"refused: {exc}", refused=True)
        except httpx.HTTPError as exc:
            message = f"{type(exc).__name__}: {exc}".strip(": ")
            return self._failure(url, hops, started, message, retryable=True)
        finally:
            self._checkin(origin, transport)

    async def _follow(
        self, transport: httpx.AsyncBaseTransport, url: str, hops: list[str], started: float
    ) -> FetchResult:
        current = url
        for _ in range(self.max_redirects + 1):
            if self.policy.needs_lookup(current):
                await asyncio.to_thread(self.policy.check_url, current)  # DNS blocks
            else:
                self.policy.check_url(current)  # a literal address: nothing to resolve
            request = httpx.Request(
                "GET", current, headers=self._headers, extensions={"timeout": self._timeouts}
            )
            if self._cookies.jar:
                self._cookies.set_cookie_header(request)
            response = await transport.handle_async_request(request)
            try:
                response.request = request
                if "set-cookie" in response.headers:
                    self._cookies.extract_cookies(response)
                if response.status_code in _REDIRECT_CODES and "location" in response.headers:
                    hops.append(current)
                    current = urljoin(current, response.headers["location"])
                    continue
                body, truncated = await self._read_limited(response)
            except _BudgetSpentError:
                limit = self.meter.limit if self.meter is not None else 0
                message = f"not fetched: the run's byte budget of {limit} bytes is spent"
                return self._failure(url, hops, started, message, refused=True)
            except _UnknownEncodingError as exc:
                message = f"body encoded as {exc}, which was not asked for: not decoded"
                return self._failure(url, hops, started, message)
            except zlib.error as exc:
                message = f"body is not the gzip or deflate stream it claims to be ({exc})"
                return self._failure(url, hops, started, message)
            finally:
                await response.aclose()
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
        """The decoded body, cut at ``max_body_bytes`` (then ``True``)."""
        inflater = _Inflater(response.headers.get("content-encoding", ""))
        body = bytearray()
        async for raw in response.aiter_raw():
            room = self.max_body_bytes - len(body)
            piece = inflater.inflate(raw, room + 1)  # one byte more tells the body goes on
            if self.meter is not None and not self.meter.take(len(piece)):
                raise _BudgetSpentError
            body += piece
            if len(body) > self.max_body_bytes:
                del body[self.max_body_bytes :]
                return bytes(body), True
        return bytes(body), False

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
        self._closed = True
        transports, self._transports = self._transports, []
        self._idle.clear()
        for transport in transports:
            await transport.aclose()
        if self._given is not None:
            await self._given.aclose()


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


class _Inflater:
    """gzip or deflate decoding that never returns more than it is asked for."""

    def __init__(self, content_encoding: str) -> None:
        encoding = content_encoding.strip().lower()
        self._decompressor: zlib._Decompress | None = None
        self._deflate = encoding == "deflate"
        if encoding in {"gzip", "x-gzip"}:
            self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._deflate:
            self._decompressor = zlib.decompressobj()
        elif encoding not in {"", "identity"}:
            raise _UnknownEncodingError(repr(encoding))
        self._started = False

    def inflate(self, data: bytes, limit: int) -> bytes:
        if self._decompressor is None:
            return data[:limit]
        try:
            out = self._decompressor.decompress(data, limit)
        except zlib.error:
            if not (self._deflate and not self._started):
                raise
            # "deflate" is often sent raw, without its zlib header (httpx does the same)
            self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._decompressor.decompress(data, limit)
        self._started = True
        return out
