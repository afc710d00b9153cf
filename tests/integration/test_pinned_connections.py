"""DNS rebinding: a name checked as public that resolves to a private address on connect."""

from __future__ import annotations

import asyncio
import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import httpx
import pytest

from swordnet.adapters.fetchers.addresses import AddressPolicy, IPAddress
from swordnet.adapters.fetchers.pinning import PinnedNetworkBackend, pinned_transport
from swordnet.domain.errors import UnsafeAddressError


class _Rebinding(AddressPolicy):
    """A name server that answers each lookup of a name from a list, in turn."""

    def __init__(self, answers: dict[str, list[str]], allow: tuple[str, ...] = ()) -> None:
        super().__init__(allow)
        self.answers = {name: list(values) for name, values in answers.items()}
        self.lookups: list[str] = []

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        if host not in self.answers:
            return super().resolve(host, port)
        self.lookups.append(host)
        queue = self.answers[host]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [ipaddress.ip_address(answer)]


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"host={self.headers.get('Host')}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


async def _get(policy: AddressPolicy, url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=pinned_transport(policy)) as client:
        return await client.get(url)


def test_a_name_rebound_to_loopback_is_refused_at_connect(server_port: int) -> None:
    # The check before the request sees a public address; the connection would go to
    # the crawler's own machine, where the test server stands for an internal service.
    policy = _Rebinding({"pirate.test": ["93.184.216.34", "127.0.0.1"]})
    policy.check_url(f"http://pirate.test:{server_port}/")  # passes: public
    with pytest.raises(UnsafeAddressError, match=r"127\.0\.0\.1 .*loopback"):
        asyncio.run(_get(policy, f"http://pirate.test:{server_port}/"))
    assert policy.lookups == ["pirate.test", "pirate.test"]


def test_an_allowed_name_connects_to_the_checked_address_and_keeps_its_host(
    server_port: int,
) -> None:
    policy = _Rebinding({"novels.test": ["127.0.0.1"]}, allow=("127.0.0.1/32",))
    response = asyncio.run(_get(policy, f"http://novels.test:{server_port}/chapter"))
    assert response.status_code == 200
    assert response.text == f"host=novels.test:{server_port}"


def test_literal_private_addresses_are_refused_without_a_lookup() -> None:
    policy = _Rebinding({})
    with pytest.raises(UnsafeAddressError, match="private"):
        asyncio.run(_get(policy, "http://10.1.2.3:8080/"))
    assert policy.lookups == []


class _Recorder(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        self.connected.append((host, port))
        raise httpcore.ConnectError("refused by the test")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def test_every_checked_address_is_tried_and_nothing_unchecked() -> None:
    class _TwoAddresses(AddressPolicy):
        def resolve(self, host: str, port: int) -> list[IPAddress]:
            return [ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("127.0.0.3")]

    recorder = _Recorder()
    backend = PinnedNetworkBackend(_TwoAddresses(("127.0.0.0/8",)), recorder)
    with pytest.raises(httpcore.ConnectError):
        asyncio.run(backend.connect_tcp("mirror.test", 80))
    assert recorder.connected == [("127.0.0.2", 80), ("127.0.0.3", 80)]
    with pytest.raises(UnsafeAddressError):
        asyncio.run(backend.connect_unix_socket("/var/run/docker.sock"))


def test_the_fetcher_records_a_rebound_name_as_refused(server_port: int) -> None:
    from swordnet.adapters.fetchers.http import HttpFetcher

    policy = _Rebinding({"pirate.test": ["93.184.216.34", "127.0.0.1"]})
    fetcher = HttpFetcher(policy)

    async def fetch() -> tuple[bool, str | None, int]:
        try:
            result = await fetcher.fetch(f"http://pirate.test:{server_port}/")
        finally:
            await fetcher.aclose()
        return result.refused, result.error, result.status

    refused, error, status = asyncio.run(fetch())
    assert (refused, status) == (True, 0)
    assert "loopback" in (error or "")
