"""The crawl pipeline's parts: link filtering, the hand-off to workers, worker results."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from swordnet.crawler import analysis
from swordnet.crawler.analysis import Analysed, AnalysisBatch, ResponseJob, analyse_batch
from swordnet.crawler.capture import EncodedRecord
from swordnet.crawler.feed import AnalysisFeed
from swordnet.crawler.urls import LinkFilter
from swordnet.execution import BatchExecutor
from swordnet.settings import Settings

T = TypeVar("T")
R = TypeVar("R")


def test_link_filter_sends_each_committed_url_once_and_explains_traps() -> None:
    links = LinkFilter({"site.test"}, max_depth=3)
    page = [
        ("http://site.test/a", None),
        ("http://other.test/b", None),  # off site
        ("http://cdn.test/cover.jpg", "image"),  # media may live on other hosts
        ("http://site.test/x/x/x/x/x", None),  # recursive path
    ]
    follow, skipped = links.split(page, depth=2)
    assert follow == [("http://site.test/a", 2), ("http://cdn.test/cover.jpg", 2)]
    assert [url for url, _ in skipped] == ["http://site.test/x/x/x/x/x"]
    links.remember([url for url, _ in follow] + [url for url, _ in skipped])
    assert links.split(page, depth=2) == ([], [])  # already in the frontier
    assert links.split([("http://site.test/new", None)], depth=4) == ([], [])  # too deep


def test_link_filter_forgets_when_full_without_losing_links() -> None:
    links = LinkFilter({"site.test"}, max_depth=3, max_known=2)
    links.remember(["http://site.test/1", "http://site.test/2"])
    links.remember(["http://site.test/3"])  # over the bound: starts afresh
    follow, _ = links.split([("http://site.test/1", None), ("http://site.test/3", None)], 1)
    assert follow == [("http://site.test/1", 1)]  # sent again: the database drops duplicates


class _HeldExecutor(BatchExecutor):
    """Runs batches only when the test releases them; records what was sent."""

    def __init__(self) -> None:
        self.sent: list[list[str]] = []
        self.release = asyncio.Event()

    def map(self, function: Callable[[T], R], items: Any) -> Any:
        raise NotImplementedError

    async def run(self, function: Callable[[T], R], item: T) -> R:
        assert isinstance(item, AnalysisBatch)
        self.sent.append([job.url for job in item.jobs])
        await self.release.wait()
        results = [Analysed(EncodedRecord(b"", "", ""), analysis.Analysis()) for _ in item.jobs]
        return results  # type: ignore[return-value]


def _job(url: str, anchors: int) -> ResponseJob:
    body = ("<html><body>" + '<a href="/x">x</a> ' * anchors + "</body></html>").encode()
    return ResponseJob(url, 200, {}, "text/html", body)


def test_feed_sends_link_rich_pages_first_and_hurries_when_the_frontier_is_dry() -> None:
    async def scenario() -> tuple[list[list[str]], list[str]]:
        executor = _HeldExecutor()
        done: list[str] = []
        feed = AnalysisFeed(
            executor, "{}", lambda context, *_: done.append(context), workers=1, batch_size=8
        )
        await feed.submit(_job("leaf-0", 2), "leaf-0")  # the idle worker takes it at once
        await asyncio.sleep(0)
        for n in range(1, 6):
            await feed.submit(_job(f"leaf-{n}", 2), f"leaf-{n}")
        await feed.submit(_job("list", 50), "list")
        feed.hurry = True  # every due URL is out: the next ones are in these pages
        feed.send_now()
        await asyncio.sleep(0)
        executor.release.set()
        for _ in range(20):
            await asyncio.sleep(0)
        return executor.sent, done

    sent, done = asyncio.run(scenario())
    assert sent[0] == ["leaf-0"]
    assert sent[1][0] == "list"  # the page with the links goes first
    assert len(sent[1]) <= 4  # and in a small batch, not behind a full one
    assert sorted(done) == sorted(["list"] + [f"leaf-{n}" for n in range(6)])


def test_a_page_whose_analysis_fails_is_captured_with_the_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = analysis.analyse_response

    def hostile(job: ResponseJob, settings_json: str) -> analysis.Analysis:
        if job.url.endswith("/bad"):
            raise ValueError("parser exploded")
        return real(job, settings_json)

    monkeypatch.setattr(analysis, "analyse_response", hostile)
    settings = Settings(home=tmp_path / "home", workers=1)
    page = b"<html><body><p>" + "\u7b2c\u4e00\u7ae0".encode() * 40 + b"</p></body></html>"
    jobs = [
        ResponseJob("http://site.test/bad", 200, {"content-type": "text/html"}, "text/html", page),
        ResponseJob("http://site.test/ok", 200, {"content-type": "text/html"}, "text/html", page),
    ]
    bad, ok = analyse_batch(AnalysisBatch(settings.model_dump_json(), jobs))
    assert bad.error is not None and "parser exploded" in bad.error
    assert bad.analysis.items == [] and ok.error is None
    for result in (bad, ok):  # both are evidence all the same
        assert page in gzip.decompress(result.record.data)
        assert len(result.record.sha256) == 64


def test_one_failing_extractor_costs_its_own_findings_not_the_pages_links(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from swordnet.adapters.extractors.players import PlayerExtractor

    def broken(self: PlayerExtractor, page: object) -> list[object]:
        raise ValueError("Port could not be cast to integer value as ':1'")

    monkeypatch.setattr(PlayerExtractor, "extract", broken)
    settings = Settings(home=tmp_path / "home", workers=1)
    page = b'<html><body><a href="http://[::1/x">bad</a><a href="/next.html">next</a></body></html>'
    job = ResponseJob("http://site.test/", 200, {"content-type": "text/html"}, "text/html", page)
    [result] = analyse_batch(AnalysisBatch(settings.model_dump_json(), [job]))
    assert result.error is not None and "extractor players: ValueError" in result.error
    assert result.analysis.links == [("http://site.test/next.html", None)]
