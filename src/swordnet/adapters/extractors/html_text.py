"""Main text of a page (article, chapter) without navigation, ads and footers."""

from __future__ import annotations

from typing import ClassVar

from swordnet.domain.errors import CorruptMediaError
from swordnet.domain.pages import PAGE_TYPES
from swordnet.modalities.text.pages import main_text
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

_MIN_TEXT_CHARS = 50


class HtmlTextExtractor(Extractor):
    name: ClassVar[str] = "html_text"
    media_types: ClassVar[tuple[str, ...]] = (*PAGE_TYPES, "text/plain")

    def extract(self, page: Page) -> list[ExtractedContent]:
        raw = page.text()
        method = "plain"
        if not page.media_type.startswith("text/plain"):
            try:
                raw, method = main_text(raw, page.url)
            except CorruptMediaError:
                return []
        if len(raw.strip()) < _MIN_TEXT_CHARS:
            return []
        return [
            ExtractedContent(
                kind="text",
                source_url=page.url,
                extractor=self.name,
                text=raw,
                data={"extraction": method},
            )
        ]
