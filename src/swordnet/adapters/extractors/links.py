"""Links a page offers: pages to crawl next and media files to fingerprint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Self
from urllib.parse import urldefrag, urlsplit

import lxml.html  # type: ignore[import-untyped]
from lxml.etree import ParserError  # type: ignore[import-untyped]

from swordnet.adapters.extractors._markup import absolute_url, base_url
from swordnet.plugins import link_suffixes
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

if TYPE_CHECKING:
    from swordnet.settings import Settings


class LinkExtractor(Extractor):
    """Emits ``link`` items (pages) and media items (``image``, ``audio``, ``video``...).

    A link is a media item when its path ends in a suffix a signal type reads
    (``SignalType.link_suffixes``), which gives the item's kind.
    """

    name: ClassVar[str] = "links"

    def __init__(self, media_suffixes: Mapping[str, str] | None = None) -> None:
        suffixes = link_suffixes() if media_suffixes is None else media_suffixes
        # the longest first, so that ".tar.gz" is not read as ".gz"
        self.media_suffixes = dict(sorted(suffixes.items(), key=lambda item: -len(item[0])))

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(link_suffixes())

    def _media_kind(self, url: str) -> str | None:
        path = urlsplit(url).path.lower()
        for suffix, kind in self.media_suffixes.items():
            if path.endswith(suffix):
                return kind
        return None

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
            kind = self._media_kind(url) or "link"
            items.append(
                ExtractedContent(kind=kind, source_url=page.url, extractor=self.name, url=url)
            )
        return items
