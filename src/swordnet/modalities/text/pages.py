"""Web pages: keep the article, drop navigation, ads and footers (trafilatura).

Pirate pages wrap a copied chapter in menus, ad blocks and link lists. Those carry no
evidence, slow matching down and, worse, make every page of one site look alike. When
trafilatura finds no main text (a page that is nothing but a list, or odd markup) the
visible text of the whole page is used instead, so a copy is never silently skipped.
"""

from __future__ import annotations

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]
import trafilatura
from trafilatura.settings import Extractor

from swordnet.domain.errors import CorruptMediaError

# Built once: given keyword options, trafilatura builds this object on every call (a tenth
# of its time on a chapter page). Fast mode (no fallback extractors), tables, no comments.
_TRAFILATURA_OPTIONS = Extractor(fast=True, comments=False, tables=True, recall=True)
_SURE_MAIN_TEXT_CHARS = 500
_MIN_MAIN_TEXT_SHARE = 0.05  # below this share of the visible text, trust the page over trafilatura


def visible_text(html: str, name: str) -> str:
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise CorruptMediaError(f"{name}: not a readable HTML page ({exc})") from exc
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    return "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())


def main_text(html: str, name: str) -> tuple[str, str]:
    """The page's main text and how it was found: ``"trafilatura"`` or ``"visible"``."""
    try:
        extracted = trafilatura.extract(html, options=_TRAFILATURA_OPTIONS)
    except (ValueError, TypeError, lxml.etree.LxmlError):
        extracted = None
    if extracted and len(extracted) >= _SURE_MAIN_TEXT_CHARS:
        return extracted, "trafilatura"  # a real article: no need to parse the page again
    everything = visible_text(html, name)
    if extracted and len(extracted) >= _MIN_MAIN_TEXT_SHARE * len(everything):
        return extracted, "trafilatura"
    return everything, "visible"
