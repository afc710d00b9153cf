"""Connections pinned to checked addresses: no gap between checking a name and connecting.

The fetcher checks a URL's host before each request, but httpx would resolve the name
again when it connects, and a hostile name server can answer the check with a public
address and the connection with 127.0.0.1 (DNS rebinding). This network backend is where
httpcore opens every TCP connection: it resolves the name itself, refuses the connection
unless every address is allowed, and connects to an address it checked. TLS still
verifies the certificate against the name: httpcore passes the original host as the
server name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio.to_thread
import httpcore
import httpx

from swordnet.adapters.fetchers.addresses import AddressPolicy, IPAddress, refusal_reason
from swordnet.domain.errors import UnsafeAddressError


def _checked(policy: AddressPolicy, host: str, addresses: list[IPAddress]) -> list[IPAddress]:
    if not addresses:
        raise UnsafeAddressError(f"{host} resolves to nothing")
    for address in addresses:
        if not policy.is_allowed(address):
            raise UnsafeAddressError(
                f"{host} resolved to {address} ({refusal_reason(address)}) when connecting; "
                "allow-list the network to crawl it"
            )
    return addresses


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    def __init__(
        self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.policy.needs_lookup(f"http://{host}/"):
            addresses = await anyio.to_thread.run_sync(self.policy.resolve, host, port)
        else:
            addresses = self.policy.resolve(host, port)
        addresses = _checked(self.policy, host, addresses)
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the host's next address
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeAddressError("the crawler does not connect to local sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def pinned_transport(
    policy: AddressPolicy,
    *,
    verify: Any = True,
    limits: httpx.Limits | None = None,
    http2: bool = False,
    inner: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through ``PinnedNetworkBackend``.

    httpx does not take a network backend, so the transport's connection pool is replaced
    by one built with it (the same settings httpx would give it, never a proxy).
    """
    limits = limits or httpx.Limits()
    ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)  # a context: itself
    transport = httpx.AsyncHTTPTransport(
        verify=ssl_context, limits=limits, http2=http2, trust_env=False
    )
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        raise RuntimeError("this httpx version keeps its connection pool elsewhere: cannot pin")
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=http2,
        network_backend=PinnedNetworkBackend(policy, inner),
    )
    return transport


class PinnedSyncNetworkBackend(httpcore.NetworkBackend):
    """The same, for blocking clients (the screenshot browser's requests)."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.NetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _checked(self.policy, host, self.policy.resolve(host, port))
        error: Exception | None = None
        for address in addresses:
            try:
                return self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise UnsafeAddressError("the crawler does not connect to local sockets")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def pinned_sync_transport(policy: AddressPolicy, *, verify: Any = True) -> httpx.HTTPTransport:
    """A blocking httpx transport whose connections go through ``PinnedSyncNetworkBackend``."""
    ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
    transport = httpx.HTTPTransport(verify=ssl_context, trust_env=False)
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        raise RuntimeError("this httpx version keeps its connection pool elsewhere: cannot pin")
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context, network_backend=PinnedSyncNetworkBackend(policy)
    )
    return transport
