"""The CPU-heavy stage of a crawl: extract what a response offers and fingerprint it.

``analyse_batch`` is a top-level function over picklable values so that it runs in a
worker process; the crawl loop keeps fetching meanwhile and hands pages over in batches
(one round trip per batch, the settings sent once per batch). A worker also encodes each
response as a WARC record and makes the links it found canonical, so that the crawl
loop's single thread only fetches and stores. Workers query the indexes as the catalogue
last saved them (the crawl saves them when it starts); the store resolves the hits to
works and stores everything.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from swordnet.crawler.capture import EncodedRecord, encode_response
from swordnet.crawler.urls import canonical_url
from swordnet.domain.errors import ConfigurationError, MediaError
from swordnet.domain.matching import IndexHit
from swordnet.plugins.extractors import Extractor, Page
from swordnet.plugins.signals import MediaInput, SignalIndex, SignalType
from swordnet.settings import Settings

_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_FOLLOWED_MEDIA = {"image", "audio", "video", "hls"}


@dataclass(frozen=True, slots=True)
class ResponseJob:
    url: str  # where the response was captured (the final URL after redirects)
    status: int
    headers: dict[str, str]
    media_type: str
    body: bytes
    media_kind: str | None = None  # set when the URL was found as a media file on a page
    name: str | None = None  # what to call the media when it is not the URL (an HLS stream)


@dataclass(frozen=True, slots=True)
class AnalysisBatch:
    settings_json: str
    jobs: list[ResponseJob]


@dataclass(frozen=True, slots=True)
class Analysed:
    """One response after a worker: its evidence record and what it offers."""

    record: EncodedRecord
    analysis: Analysis
    error: str | None = None  # the analysis failed: the page is stored without items


@dataclass(frozen=True, slots=True)
class AnalysedItem:
    kind: str
    extractor: str
    url: str | None
    text: str | None
    data: dict[str, Any]
    hits: tuple[tuple[str, IndexHit], ...] = ()  # (signal name, hit) from the saved indexes
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    items: list[AnalysedItem] = field(default_factory=list)
    links: list[tuple[str, str | None]] = field(default_factory=list)  # (canonical url, media kind)
    failures: list[str] = field(default_factory=list)  # extractors that failed on the page


@lru_cache(maxsize=4)
def _plugins(settings_json: str) -> tuple[dict[str, SignalType], list[Extractor], Path]:
    from swordnet.bootstrap import build_extractors, build_signals

    settings = Settings.from_worker_json(settings_json)
    return build_signals(settings), build_extractors(settings), settings.index_dir


class _SavedIndexes:
    """The indexes as last saved by the catalogue, reloaded when their file changes."""

    def __init__(self) -> None:
        self._loaded: dict[Path, tuple[float, SignalIndex]] = {}

    def get(self, signal: SignalType, directory: Path) -> SignalIndex | None:
        path = directory / f"{signal.name}.idx"
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return None
        cached = self._loaded.get(path)
        if cached is None or cached[0] != mtime:
            cached = (mtime, signal.load_index(path.read_bytes()))
            self._loaded[path] = cached
        return cached[1]


_SAVED = _SavedIndexes()


def _match(
    signals: dict[str, SignalType], media: MediaInput, index_dir: Path
) -> tuple[tuple[tuple[str, IndexHit], ...], str | None]:
    """Fingerprint with every accepting signal and query its saved index."""
    hits: list[tuple[str, IndexHit]] = []
    for signal in (s for s in signals.values() if s.accepts(media)):
        try:
            fingerprint = signal.fingerprint(media, role="query")
        except MediaError as exc:
            return tuple(hits), str(exc)
        index = _SAVED.get(signal, index_dir)
        if index is not None:
            hits.extend((signal.name, hit) for hit in index.query(fingerprint))
    return tuple(hits), None


def _add_link(linked: dict[str, str | None], url: str, media_kind: str | None) -> None:
    """Note a link once; a link also found as a media file keeps its media kind."""
    try:
        canonical = canonical_url(url)
    except ValueError:
        return  # a malformed URL (a bad port): nothing to fetch
    if linked.get(canonical) is None:
        linked[canonical] = media_kind


def analyse_batch(batch: AnalysisBatch) -> list[Analysed]:
    """Analyse each response; a page's failure is its own, a worker that cannot set
    itself up fails the whole batch (a crawl that silently finds nothing is worse)."""
    try:
        _plugins(batch.settings_json)
    except Exception as exc:
        raise ConfigurationError(f"an analysis worker cannot start: {exc}") from exc
    results: list[Analysed] = []
    for job in batch.jobs:
        record = encode_response(job.url, job.status, job.headers, job.body)
        try:
            analysis = analyse_response(job, batch.settings_json)
            results.append(Analysed(record, analysis, "; ".join(analysis.failures) or None))
        except Exception as exc:  # one hostile page must not sink its batch
            results.append(Analysed(record, Analysis(), f"{type(exc).__name__}: {exc}"))
    return results


def analyse_response(job: ResponseJob, settings_json: str) -> Analysis:
    signals, extractors, index_dir = _plugins(settings_json)
    if job.media_kind is not None or not job.media_type.startswith(_PAGE_TYPES):
        media = MediaInput(name=job.name or job.url, data=job.body, media_type=job.media_type)
        hits, error = _match(signals, media, index_dir)
        kind = job.media_kind or job.media_type.split("/", 1)[0] or "file"
        item = AnalysedItem(
            kind, "response", job.url, None, {"media_type": job.media_type}, hits, error
        )
        return Analysis(items=[item])
    page = Page(job.url, job.media_type, job.body)
    analysis = Analysis()
    linked: dict[str, str | None] = {}
    for extractor in extractors:
        if not extractor.accepts(page):
            continue
        try:
            contents = extractor.extract(page)
        except Exception as exc:  # one extractor's defect costs its own findings only
            analysis.failures.append(f"extractor {extractor.name}: {type(exc).__name__}: {exc}")
            continue
        for content in contents:
            if content.kind == "link" and content.url:
                _add_link(linked, content.url, None)
                continue
            if content.kind in _FOLLOWED_MEDIA and content.url and content.text is None:
                probe = MediaInput(
                    name=content.url, media_type=mimetypes.guess_type(content.url)[0]
                )
                if any(signal.accepts(probe) for signal in signals.values()):
                    _add_link(linked, content.url, content.kind)
                    continue
            if content.kind == "listing":
                # listing pictures are matched by the image signal: fetch them as media
                for url in content.data.get("images") or []:
                    if isinstance(url, str):
                        _add_link(linked, url, "image")
            found: tuple[tuple[str, IndexHit], ...] = ()
            error = None
            if content.text is not None and content.kind == "text":
                media = MediaInput(
                    name=content.source_url,
                    data=content.text.encode("utf-8"),
                    media_type="text/plain",
                )
                found, error = _match(signals, media, index_dir)
            analysis.items.append(
                AnalysedItem(
                    content.kind,
                    content.extractor,
                    content.url,
                    content.text,
                    dict(content.data),
                    found,
                    error,
                )
            )
    analysis.links.extend(linked.items())
    return analysis
