"""The one answer to "what does this match?": read or fetch, analyse, resolve to works.

The crawl, ``swordnet scan`` (files and URLs) and the compliance re-check all come
through here, so they judge the same content alike:

1. **fetch or read** a URL as the crawler does (content sniffed, an HLS playlist
   assembled into its stream: ``crawler.streams.prepare_response``), or a file;
2. **analyse** it (``swordnet.analysis``: extract what a page offers, fingerprint text
   and media, query the saved indexes), in worker processes when there are many;
3. **resolve** what was found to catalogued works (``WorkMatcher``: index hits through
   their references, titled items such as listings and share links by title);
4. the crawl then **decides** and **records** detections (``services.detections``); a
   scan prints, a re-check compares.

A page's media (pictures, audio, video files, streams) are followed once, as the crawl's
frontier would: ``scan URL`` of a gallery reports the pictures it shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.orm import Session

from swordnet.analysis import (
    AnalysedItem,
    Analysis,
    FileAnalysis,
    FileJob,
    ResponseJob,
    analyse_file,
    analyse_response,
)
from swordnet.crawler.streams import prepare_response
from swordnet.domain.matching import Match
from swordnet.domain.pages import TITLED_KINDS
from swordnet.modalities.video.hls import StreamBudget
from swordnet.plugins.fetchers import Fetcher, FetchResult
from swordnet.services.context import AppContext
from swordnet.services.fingerprinting import unexpected_error, worker_died
from swordnet.services.matching import resolve_hits
from swordnet.services.titles_catalogue import CatalogueTitles

_Part = tuple[str, FetchResult, "Analysis | None", "str | None"]  # query, fetched, analysed, error
MAX_FOLLOWED_MEDIA = 64  # of one page, for a scan or a re-check (the crawl has its budget)


@dataclass(frozen=True, slots=True)
class Examined:
    """One URL or file through the pipeline: the works it matches, or why not."""

    query: str
    matches: list[Match] = field(default_factory=list)
    error: str | None = None
    analysis: Analysis | None = None
    response: FetchResult | None = None  # what was fetched (URLs only)


def detection_url(page_url: str, item: AnalysedItem) -> str:
    """The URL a detection of ``item`` is recorded at, and later re-checked.

    A media file or a stream is its own URL. What is matched by title (a listing, a share
    link, a magnet, an app) is the page offering it: a magnet or an app file cannot be
    re-fetched to see whether it is still offered, the page can, and it is the page the
    platform must take down. The offered link stays in the match's details.
    """
    if item.kind in TITLED_KINDS:
        return page_url
    return item.url or page_url


class WorkMatcher:
    """Resolves analysed items to catalogued works within one session."""

    def __init__(
        self, container: AppContext, session: Session, *, titles: CatalogueTitles | None = None
    ) -> None:
        self.container = container
        self.session = session
        self._titles = titles  # the catalogue's titles, loaded on first need

    def item_matches(self, url: str, item: AnalysedItem) -> list[Match]:
        """What ``item`` matches; ``url`` is where it was found (``detection_url``)."""
        if item.hits:
            return resolve_hits(self.container, self.session, url, item.hits)
        if item.kind in TITLED_KINDS and item.text:
            found = self.titles().find(self.session, url, item.text, item.kind)
            if item.url and item.url != url:
                offered = {"offered_url": item.url}
                found = [replace(match, details={**match.details, **offered}) for match in found]
            return found
        return []

    def matches(self, url: str, analysis: Analysis) -> list[Match]:
        """Every work the analysed content matches, best first, one per reference."""
        found: dict[int, Match] = {}
        for item in analysis.items:
            for match in self.item_matches(detection_url(url, item), item):
                kept = found.get(match.reference_id)
                if kept is None or kept.score < match.score:
                    found[match.reference_id] = match
        return sorted(found.values(), key=lambda match: (-match.score, match.work_id))

    def titles(self) -> CatalogueTitles:
        if self._titles is None:
            self._titles = CatalogueTitles.load(self.session)
        return self._titles

    @property
    def loaded_titles(self) -> CatalogueTitles | None:
        """The titles if they were needed (a caller may keep them for its next session)."""
        return self._titles


def prepare_indexes(container: AppContext) -> None:
    """Write the indexes as the database has them: analysis reads the saved files."""
    with container.sessions() as session:
        container.indexes.persist_all(session)


# -- files ------------------------------------------------------------------------------
def examine_files(container: AppContext, paths: list[Path]) -> Iterator[Examined]:
    """Each file analysed (in the worker pool when there are several) and resolved."""
    prepare_indexes(container)
    settings_json = container.settings.for_workers()
    jobs = [FileJob(str(path), settings_json) for path in paths]
    results: Iterable[FileAnalysis] = (
        container.executor.map_each(analyse_file, jobs, _analysis_failed)
        if len(jobs) > 2
        else map(analyse_file, jobs)
    )
    with container.sessions() as session:
        matcher = WorkMatcher(container, session)
        for result in results:
            if result.analysis is None or result.error is not None:
                yield Examined(result.path, error=result.error, analysis=result.analysis)
                continue
            matches = matcher.matches(result.path, result.analysis)
            yield Examined(result.path, matches, None, result.analysis)


def _analysis_failed(job: FileJob, exc: BaseException) -> FileAnalysis:
    if isinstance(exc, Exception) and not isinstance(exc, BrokenProcessPool):
        return FileAnalysis(job.path, error=unexpected_error(job.path, exc))
    return FileAnalysis(job.path, error=worker_died(job.path))


# -- URLs -------------------------------------------------------------------------------
async def fetch_and_analyse(
    fetcher: Fetcher,
    url: str,
    settings_json: str,
    *,
    media_kind: str | None = None,
    budget: StreamBudget | None = None,
) -> tuple[FetchResult, Analysis | None, str | None]:
    """Fetch ``url`` as the crawler does and analyse what came back (in this process)."""
    response = await fetcher.fetch(url)
    if response.error is not None:
        return response, None, f"{url}: {response.error}"
    if not response.ok:
        return response, None, f"{url}: HTTP {response.status}"
    response, media_type, name = await prepare_response(response, fetcher, budget)
    if response.error is not None:
        return response, None, f"{url}: {response.error}"
    job = ResponseJob.fetched(response, media_type, name, media_kind)
    analysis = await asyncio.to_thread(analyse_response, job, settings_json)
    return response, analysis, None


async def _examine_url(
    container: AppContext, fetcher: Fetcher, url: str, follow_media: bool
) -> list[_Part]:
    settings_json = container.settings.for_workers()
    response, analysis, error = await fetch_and_analyse(fetcher, url, settings_json)
    found = [(url, response, analysis, error)]
    if analysis is None or not follow_media:
        return found
    media = [(link, kind) for link, kind in analysis.links if kind is not None]
    for link, kind in media[:MAX_FOLLOWED_MEDIA]:
        linked, linked_analysis, linked_error = await fetch_and_analyse(
            fetcher, link, settings_json, media_kind=kind
        )
        found.append((link, linked, linked_analysis, linked_error))
    return found


def examine_urls(
    container: AppContext, urls: list[str], *, follow_media: bool = True
) -> dict[str, list[Examined]]:
    """For each URL, what it and (for a page) the media it shows match, in that order."""
    prepare_indexes(container)

    async def run() -> dict[str, list[_Part]]:
        fetcher = container.fetcher()
        limit = asyncio.Semaphore(4)

        async def one(url: str) -> tuple[str, list[_Part]]:
            async with limit:
                return url, await _examine_url(container, fetcher, url, follow_media)

        try:
            return dict(await asyncio.gather(*(one(url) for url in urls)))
        finally:
            await fetcher.aclose()

    fetched = asyncio.run(run())
    examined: dict[str, list[Examined]] = {}
    with container.sessions() as session:
        matcher = WorkMatcher(container, session)
        for url, parts in fetched.items():
            examined[url] = [
                Examined(
                    query,
                    matcher.matches(query, analysis) if analysis is not None else [],
                    error,
                    analysis,
                    response,
                )
                for query, response, analysis, error in parts
            ]
    return examined
