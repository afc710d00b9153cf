"""The CPU-heavy stage of a crawl: extract what a response offers and fingerprint it.

``analyse_response`` is a top-level function over picklable values so that it runs in a
worker process; the crawl loop keeps fetching meanwhile. Matching against the indexes
and storing results happen back in the crawl loop.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from swordnet.domain.errors import MediaError
from swordnet.plugins.extractors import Extractor, Page
from swordnet.plugins.signals import Fingerprint, MediaInput, SignalType
from swordnet.settings import Settings

_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_FOLLOWED_MEDIA = {"image", "audio", "video"}


@dataclass(frozen=True, slots=True)
class ResponseJob:
    url: str
    media_type: str
    body: bytes
    media_kind: str | None  # set when the URL was found as a media file on a page
    settings_json: str


@dataclass(frozen=True, slots=True)
class AnalysedItem:
    kind: str
    extractor: str
    url: str | None
    text: str | None
    data: dict[str, Any]
    fingerprints: tuple[Fingerprint, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    items: list[AnalysedItem] = field(default_factory=list)
    links: list[tuple[str, str | None]] = field(default_factory=list)  # (url, media kind)


@lru_cache(maxsize=4)
def _plugins(settings_json: str) -> tuple[dict[str, SignalType], list[Extractor]]:
    from swordnet.bootstrap import build_extractors, build_signals

    settings = Settings.model_validate_json(settings_json)
    return build_signals(settings), build_extractors(settings)


def _fingerprint(
    signals: dict[str, SignalType], media: MediaInput
) -> tuple[tuple[Fingerprint, ...], str | None]:
    chosen = [signal for signal in signals.values() if signal.accepts(media)]
    try:
        return tuple(signal.fingerprint(media, role="query") for signal in chosen), None
    except MediaError as exc:
        return (), str(exc)


def analyse_response(job: ResponseJob) -> Analysis:
    signals, extractors = _plugins(job.settings_json)
    if job.media_kind is not None or not job.media_type.startswith(_PAGE_TYPES):
        media = MediaInput(name=job.url, data=job.body, media_type=job.media_type)
        fingerprints, error = _fingerprint(signals, media)
        kind = job.media_kind or job.media_type.split("/", 1)[0] or "file"
        item = AnalysedItem(
            kind, "response", job.url, None, {"media_type": job.media_type}, fingerprints, error
        )
        return Analysis(items=[item])
    page = Page(job.url, job.media_type, job.body)
    analysis = Analysis()
    for extractor in extractors:
        if not extractor.accepts(page):
            continue
        for content in extractor.extract(page):
            if content.kind == "link" and content.url:
                analysis.links.append((content.url, None))
                continue
            if content.kind in _FOLLOWED_MEDIA and content.url and content.text is None:
                probe = MediaInput(
                    name=content.url, media_type=mimetypes.guess_type(content.url)[0]
                )
                if any(signal.accepts(probe) for signal in signals.values()):
                    analysis.links.append((content.url, content.kind))
                    continue
            found: tuple[Fingerprint, ...] = ()
            error = None
            if content.text is not None and content.kind == "text":
                media = MediaInput(
                    name=content.source_url,
                    data=content.text.encode("utf-8"),
                    media_type="text/plain",
                )
                found, error = _fingerprint(signals, media)
            analysis.items.append(
                AnalysedItem(content.kind, content.extractor, content.url, content.text, dict(content.data),
                             found, error)
            )  # fmt: skip
    return analysis
