"""Links a page offers: pages to crawl next and media files to fingerprint."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urldefrag, urlsplit

import lxml.html  # type: ignore[import-untyped]
from lxml.etree import ParserError  # type: ignore[import-untyped]

from swordnet.adapters.extractors._markup import absolute_url, base_url
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

_MEDIA_SUFFIXES = {
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".webp": "image",
    ".gif": "image",
    ".mp3": "audio",
    ".ogg": "audio",
    ".opus": "audio",
    ".flac": "audio",
    ".wav": "audio",
    ".m4a": "audio",
    ".mp4": "video",
    ".webm": "video",
    ".mkv": "video",
    ".mov": "video",
    ".m3u8": "hls",
    ".txt": "text",
}


def _media_kind(url: str) -> str | None:
    path = urlsplit(url).path.lower()
    for suffix, kind in _MEDIA_SUFFIXES.items():
        if path.endswith(suffix):
            return kind
    return None


class LinkExtractor(Extractor):
    """Emits ``link`` items (pages) and media items (``image``, ``audio``, ``video``...)."""

    name: ClassVar[str] = "links"

    def extract(self, page: Page) -> list[ExtractedContent]:
        try:
            tree = lxml.html.fromstring(page.body)
        except (ParserError, ValueError):
            return []
        base = base_url(tree, page.url)
        seen: set[str] = set()
        items: list[ExtractedContent] = []
        sources = tree.xpath("//a/@href|//img/@src|//audio/@src|//video/@src|//source/@src")
        for raw in sources:
            absolute = absolute_url(base, str(raw))  # None for a malformed link: skipped alone
            if absolute is None:
                continue
            url = urldefrag(absolute)[0]
            if url in seen:
                continue
            seen.add(url)
            kind = _media_kind(url) or "link"
            items.append(
                ExtractedContent(kind=kind, source_url=page.url, extractor=self.name, url=url)
            )
        return items
