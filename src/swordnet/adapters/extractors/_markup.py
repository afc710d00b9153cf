"""Reading hostile HTML safely: shared by the extractors of share links, torrents, players,
listings and app downloads.

Pages are decoded before parsing because libxml2 falls back to Latin-1 for bytes without a
charset declaration, which garbles Chinese pages served as UTF-8 without a meta tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from swordnet.plugins.extractors import Page

# Parsing and scanning stop here: a pirate page is a few hundred kilobytes; the rest of a
# multi-megabyte body is padding or a trap.
MAX_BODY_BYTES = 4_000_000
# Regular-expression scans read at most this much text per page.
MAX_SCAN_CHARS = 2_000_000

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_-]{2,20})""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,200}\?>")


def page_text(page: Page) -> str:
    """The page decoded: declared encoding, else the meta charset, else UTF-8."""
    body = page.body[:MAX_BODY_BYTES]
    encoding = page.encoding
    if not encoding:
        found = _META_CHARSET.search(body[:4096])
        encoding = found.group(1).decode("ascii") if found else "utf-8"
    if encoding.lower().replace("-", "").replace("_", "") in {"gb2312", "gbk", "xgbk"}:
        encoding = "gb18030"  # what browsers do: pages labelled GB2312 use all of GBK
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def body_might_contain(page: Page, pattern: re.Pattern[bytes]) -> bool:
    """A cheap test on the raw bytes, to skip parsing pages that cannot hold what an
    extractor looks for; always true for encodings that are not ASCII-compatible."""
    if page.encoding and re.search(r"16|32", page.encoding):
        return True
    return pattern.search(page.body[:MAX_BODY_BYTES]) is not None


def parse_html(page: Page) -> lxml.html.HtmlElement | None:
    """The document tree, or None when nothing can be read."""
    text = _XML_DECLARATION.sub("", page_text(page), count=1)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError, etree.LxmlError):
        return None


def base_url(tree: lxml.html.HtmlElement, page_url: str) -> str:
    """Where relative URLs resolve: ``<base href>`` (itself relative to the page) or the page."""
    for href in tree.xpath("//base/@href")[:1]:
        candidate = str(href).strip()
        if candidate:
            try:
                return urljoin(page_url, candidate)
            except ValueError:
                return page_url
    return page_url


def absolute_url(base: str, raw: str, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """``raw`` resolved against ``base`` when it is a usable URL of one of ``schemes``."""
    raw = raw.strip()
    if not raw or len(raw) > 4096:
        return None
    try:
        url = urljoin(base, raw)
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in schemes else None


def host_of(url: str) -> str:
    """Lower-case host name without port, or an empty string."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def elements(tree: lxml.html.HtmlElement, xpath: str) -> Iterator[lxml.html.HtmlElement]:
    """Elements (never comments or processing instructions) selected by ``xpath``."""
    for node in tree.xpath(xpath):
        if isinstance(node, etree._Element) and isinstance(node.tag, str):
            yield node


def collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def page_title(tree: lxml.html.HtmlElement) -> str | None:
    for title in elements(tree, "//title"):
        text = collapse_spaces(title.text_content())[:300]
        if text:
            return text
    return None
