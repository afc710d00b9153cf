"""What a response offers and which catalogued references it matches: the pipeline's
extract, fingerprint and match stages, with no database and no network.

The crawl runs ``analyse_response`` in its worker processes; ``swordnet scan`` and the
compliance re-check run the same function on what they fetched or read, so the three
judge a page alike. Hits come from the indexes as the catalogue last saved them
(``IndexStore.persist_all`` before a run); resolving them to works, and matching titled
items by title, is the services' part (``services.detection_pipeline``).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from swordnet.domain.errors import MediaError
from swordnet.domain.matching import IndexHit
from swordnet.domain.pages import PAGE_SUFFIXES, is_page
from swordnet.domain.urls import canonical_url
from swordnet.plugins import build_extractors, build_signals
from swordnet.plugins.extractors import Extractor, Page
from swordnet.plugins.fetchers import FetchResult
from swordnet.plugins.signals import MediaInput, SignalIndex, SignalType
from swordnet.settings import Settings


@dataclass(frozen=True, slots=True)
class ResponseJob:
    url: str  # where the response was captured (the final URL after redirects)
    status: int
    headers: dict[str, str]
    media_type: str
    body: bytes
    media_kind: str | None = None  # set when the URL was found as a media file on a page
    name: str | None = None  # what to call the media when it is not the URL (an HLS stream)

    @classmethod
    def fetched(
        cls,
        response: FetchResult,
        media_type: str,
        name: str | None,
        media_kind: str | None = None,
    ) -> ResponseJob:
        """The job for a fetched response as ``crawler.streams.prepare_response`` left it."""
        return cls(
            response.final_url,
            response.status,
            response.headers,
            media_type,
            response.body,
            media_kind,
            name,
        )


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
def load_plugins(settings_json: str) -> tuple[dict[str, SignalType], list[Extractor], Path]:
    """The signals, extractors and index folder of these settings, built once per process."""
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
    if media.size() == 0:
        return (), f"{media.name}: empty (0 bytes), nothing to fingerprint"
    accepting = [s for s in signals.values() if s.accepts(media)]
    if not accepting:
        what = media.suffix or media.media_type or "this kind of"
        return (), f"{media.name}: no signal type reads {what} files"
    for signal in accepting:
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


def analyse_response(job: ResponseJob, settings_json: str) -> Analysis:
    signals, extractors, index_dir = load_plugins(settings_json)
    if job.media_kind is not None or not is_page(job.media_type):
        media = MediaInput(name=job.name or job.url, data=job.body, media_type=job.media_type)
        hits, error = _match(signals, media, index_dir)
        kind = job.media_kind or job.media_type.split("/", 1)[0] or "file"
        item = AnalysedItem(
            kind, "response", job.url, None, {"media_type": job.media_type}, hits, error
        )
        return Analysis(items=[item])
    page = Page(job.url, job.media_type, job.body)
    analysis = Analysis()
    # what is fetched as media of its own: what the signal types declare they follow
    followed = frozenset[str]().union(*(s.followed_media_kinds for s in signals.values()))
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
            if content.kind in followed and content.url and content.text is None:
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


@dataclass(frozen=True, slots=True)
class FileJob:
    """A file to analyse in a worker: read there, so that only its path travels."""

    path: str
    settings_json: str
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class FileAnalysis:
    path: str
    analysis: Analysis | None = None
    error: str | None = None


def analyse_file(job: FileJob) -> FileAnalysis:
    """A file as a response: a page when it is HTML, media for the signals otherwise.

    Never raises for a bad file: the error travels back in the result.
    """
    path = Path(job.path)
    settings = Settings.from_worker_json(job.settings_json)
    try:
        size = path.stat().st_size
        if size > settings.max_media_bytes:
            return FileAnalysis(
                job.path,
                error=f"{path}: {size} bytes is over max_media_bytes ({settings.max_media_bytes})",
            )
        body = path.read_bytes()
    except OSError as exc:
        return FileAnalysis(job.path, error=f"{path}: cannot read: {exc.strerror or exc}")
    media_type = job.media_type or _file_type(path)
    response = ResponseJob(str(path), 200, {}, media_type, body, None, str(path))
    try:
        analysis = analyse_response(response, job.settings_json)
    except Exception as exc:  # one file's unforeseen fault must not end the batch
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return FileAnalysis(
            job.path,
            error=f"{path}: cannot process, unexpected {type(exc).__name__}: {reason} "
            "(a bug: please report it with the file)",
        )
    errors = [item.error for item in analysis.items if item.error]
    if analysis.items and len(errors) == len(analysis.items):
        return FileAnalysis(job.path, analysis, errors[0])
    return FileAnalysis(job.path, analysis)


def _file_type(path: Path) -> str:
    if path.suffix.lower() in PAGE_SUFFIXES:
        return "text/html"
    return mimetypes.guess_type(path.name)[0] or ""
