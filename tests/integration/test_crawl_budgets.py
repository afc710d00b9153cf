"""The crawl's byte budget counts bytes as they arrive, bodies are inflated within bounds,
and large bodies are not piled up in memory waiting for the workers."""

from __future__ import annotations

import asyncio
import random
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.adapters.fetchers.http import HttpFetcher
from swordnet.bootstrap import Container
from swordnet.crawler.analysis import ResponseJob
from swordnet.crawler.engine import CrawlPolicy
from swordnet.crawler.feed import AnalysisFeed
from swordnet.execution import BatchExecutor
from swordnet.services.crawling import crawl
from swordnet.simweb.server import Response, SimWeb, Site
from swordnet.storage import models

T = TypeVar("T")
R = TypeVar("R")
MB = 1024 * 1024


def _gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(compressor.compress(bytes(MB)) for _ in range(size // MB)) + compressor.flush()


def test_a_gzip_bomb_is_cut_at_the_body_limit_without_inflating_it() -> None:
    bomb = _gzip_of_zeros(256 * MB)  # 256 kB that inflate to 256 MB

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(bomb)
        )

    fetcher = HttpFetcher(
        AddressPolicy(["127.0.0.1/32"]),
        max_body_bytes=MB,
        transport=httpx.MockTransport(serve),
    )
    tracemalloc.start()
    try:
        result = asyncio.run(fetcher.fetch("http://127.0.0.1/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        asyncio.run(fetcher.aclose())
    assert result.truncated and len(result.body) == MB
    assert peak < 16 * MB, f"inflating took {peak // MB} MB"  # httpx's decoder: 256 MB


def _media_site(files: int, size: int) -> Site:
    site = Site(key="bulky", name="Bulky", category="other")
    rng = random.Random(1)
    tags = []
    for number in range(files):
        site.routes[f"/p{number}.png"] = Response(rng.randbytes(size), "image/png")
        tags.append(f'<img src="/p{number}.png">')
    site.add_page("/", "<html><body>" + "".join(tags) + "</body></html>")
    return site


def test_the_byte_budget_counts_bytes_in_flight(container: Container) -> None:
    policy = CrawlPolicy(max_pages=100, max_bytes=4 * MB, concurrency=16, per_host_concurrency=16)
    with SimWeb([_media_site(files=30, size=MB)]) as web:
        report = crawl(container, [web.base_urls["bulky"] + "/"], policy)
    with container.sessions() as session:
        states = list(session.scalars(select(models.FrontierUrl.state)))
    assert "byte budget" in report.stopped_because
    assert report.bytes <= policy.max_bytes, f"stored {report.bytes // MB} MB of a 4 MB budget"
    assert "queued" in states  # what the budget cut off waits for a resumed run


class _HeldExecutor(BatchExecutor):
    """Keeps every batch until released: what waits is what the feed holds."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()

    def map(self, function: Callable[[T], R], items: Any) -> Any:
        raise NotImplementedError

    async def run(self, function: Callable[[T], R], item: T) -> R:
        jobs = item.jobs  # type: ignore[attr-defined]
        self.batches.append([len(job.body) for job in jobs])
        await self.release.wait()
        return [None] * len(jobs)  # type: ignore[return-value]


def test_the_feed_holds_a_bounded_amount_of_bodies() -> None:
    async def scenario() -> tuple[list[list[int]], int, int]:
        executor = _HeldExecutor()
        feed = AnalysisFeed(
            executor, "{}", lambda *_: None, workers=2, max_pending_bytes=8 * MB, batch_bytes=4 * MB
        )
        body = bytes(MB)

        async def submit_all() -> None:
            for number in range(40):
                job = ResponseJob(f"http://x/{number}", 200, {}, "image/png", body, "image")
                await feed.submit(job, number)

        submitting = asyncio.ensure_future(submit_all())
        await asyncio.sleep(0.2)
        held = feed.pending_bytes + sum(sum(batch) for batch in executor.batches)
        blocked = not submitting.done()
        executor.release.set()
        await asyncio.wait_for(submitting, 5)
        feed.cancel()
        return executor.batches, held, int(blocked)

    batches, held, blocked = asyncio.run(scenario())
    assert blocked, "fetching must pause while bodies wait"
    assert held <= 9 * MB + 2 * 4 * MB, f"{held // MB} MB of bodies held at once"
    assert all(sum(batch) <= 4 * MB for batch in batches)
