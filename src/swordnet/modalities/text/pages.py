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


def _marked_article(html: str) -> str | None:
    """The text of a page that marks its article (``<article>``, or an article body in
    schema.org JSON), through trafilatura's baseline: a quarter of the full extraction's
    time, and what a chapter or news page of any pirate site built on a common template
    offers. None when the page marks nothing or too little."""
    head = html[:200_000].lower()
    if "<article" not in head and "articlebody" not in head:
        return None
    try:
        _, text, length = trafilatura.baseline(html)
    except (ValueError, TypeError, lxml.etree.LxmlError):
        return None
    return text if length >= _SURE_MAIN_TEXT_CHARS else None


def main_text(html: str, name: str) -> tuple[str, str]:
    """The page's main text and how it was found: ``"article"`` (a marked article),
    ``"trafilatura"`` (its full extraction) or ``"visible"`` (the whole page's text)."""
    article = _marked_article(html)
    if article is not None:
        return article, "article"
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
