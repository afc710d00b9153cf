"""Cloud-storage share links, their extraction codes and the work titles around them.

Forums paste share links as plain text as often as they link them, with the extraction code
on the same or the next line ("链接: https://pan.baidu.com/s/1xYz 提取码: 8x7k"). The page is
flattened into one text (link targets written after their anchor text), share URLs are found
in it, and each link takes the code written after it (or just before it) and the title
context written before it, never reading past the neighbouring links.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import lxml.html  # type: ignore[import-untyped]

from swordnet.adapters.extractors._markup import (
    MAX_SCAN_CHARS,
    body_might_contain,
    collapse_spaces,
    page_title,
    parse_html,
)
from swordnet.domain.pages import PAGE_TYPES
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "br", "hr", "section", "article"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "dl", "header"}
    | {"footer", "main", "aside", "nav", "form", "tbody", "thead"}
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "textarea"})
_EMPHASIS_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "b", "strong"})

# Host and path are bounded and the look-behind stops a scan from restarting inside a word,
# so a megabyte of "a.a.a.a" costs one linear pass.
_URL_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9./@-])(?:https?://)?(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}"
    r"(?::\d{1,5})?/[A-Za-z0-9\-._~/?#@!$&*+,;=%:]{0,500}"
)
_CODE_IN_TEXT = re.compile(
    r"(?:(?:提取码|提取密码|访问码|取件码|分享码|(?<!解压)密码|口令)\s{0,3}(?:为|是)?\s{0,3}[:：=]?"
    r"|(?i:pwd|passcode|password|code|pass)\s{0,3}[:：=])"
    r"\s{0,3}([A-Za-z0-9]{3,8})(?![A-Za-z0-9]|\.[A-Za-z0-9])"
)
_CODE_QUERY_KEYS = ("pwd", "password", "passcode", "code", "pass", "extract_code")
_CODE_VALUE = re.compile(r"[A-Za-z0-9]{2,16}")
_SHARE_ID = re.compile(r"[A-Za-z0-9_-]{4,80}")
_MAYBE_SHARE = re.compile(r"/s/|/share/|lanzou|lanzn", re.I)
_MAYBE_SHARE_BYTES = re.compile(rb"/s/|/share/|lanzou|lanzn", re.I)
_LANZOU_HOST = re.compile(r"(?:^|\.)(?:i?lanzou[a-z]?|lanzn)\.com$")
_TRAILING_LABEL = re.compile(
    r"(?:(?:百度|阿里|夸克|蓝奏)?(?:下载|分享|网盘|云盘)?(?:链接|地址)|(?i:links?|urls?|download|share))"
    r"\s{0,3}[:：]?\s{0,3}$"
)
_TRAILING_SEPARATORS = " \t\r\n:：-—|>→=,，;；"
_GENERIC_WORDS = re.compile(
    r"点击|点此|这里|下载|链接|地址|网盘|云盘|百度|阿里|夸克|蓝奏|前往|打开|进入|获取|资源|提取码|115|"
    r"(?i:here|click|download|link|share|open|get|url|baidu|aliyun|alipan|quark|lanzou)"
)
_NOT_WORD = re.compile(r"[\W_]+")
_AFTER_WINDOW = 120
_BEFORE_CODE_WINDOW = 60
_CONTEXT_CHARS = 60
_EMPHASIS_REACH = 300


@dataclass(frozen=True, slots=True)
class ShareRef:
    """A recognised share URL."""

    provider: str
    share_id: str
    url: str
    code: str | None


def _code_from_query(query: str) -> str | None:
    values = parse_qs(query, keep_blank_values=False)
    for key in _CODE_QUERY_KEYS:
        for value in values.get(key, []):
            if _CODE_VALUE.fullmatch(value):
                return value
    return None


def _generic_share_host(host: str) -> bool:
    for label in host.split("."):
        if "drive" in label or "cloud" in label:
            return True
        # "pan" as a word of its own: pan.xunlei.com, 123pan.com; not japan.com.
        if label.startswith("pan") or re.fullmatch(r"[0-9-]*pan", label):
            return True
    return False


def classify_share_url(raw: str) -> ShareRef | None:
    """The provider and share id of a cloud-storage share URL, or None for any other URL."""
    if not _MAYBE_SHARE.search(raw):
        return None  # most links of a page; not worth parsing
    url = raw if re.match(r"(?i)https?://", raw) else "https://" + raw
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    code = _code_from_query(parts.query)
    share_id: str | None = None
    provider = ""
    if host in {"pan.baidu.com", "yun.baidu.com"}:
        provider = "baidu"
        if len(segments) >= 2 and segments[0] == "s":
            share_id = segments[1]
        elif segments[:1] == ["share"]:
            surl = parse_qs(parts.query).get("surl", [""])[0]
            share_id = "1" + surl if surl else None
    elif host.endswith(("aliyundrive.com", "alipan.com")):
        provider = "aliyun"
        share_id = segments[1] if len(segments) >= 2 and segments[0] == "s" else None
    elif host == "pan.quark.cn":
        provider = "quark"
        share_id = segments[1] if len(segments) >= 2 and segments[0] == "s" else None
    elif re.search(r"(?:^|\.)(?:115|115cdn|anxia)\.com$", host):
        provider = "115"
        share_id = segments[1] if len(segments) >= 2 and segments[0] == "s" else None
    elif _LANZOU_HOST.search(host):
        provider = "lanzou"
        rest = segments[1:] if segments[:1] == ["tp"] else segments
        share_id = rest[0] if len(rest) == 1 else None
    elif _generic_share_host(host) and len(segments) >= 2 and segments[0] == "s":
        provider = host
        share_id = segments[1]
    if share_id is None or not _SHARE_ID.fullmatch(share_id):
        return None
    return ShareRef(provider=provider, share_id=share_id, url=url, code=code)


@dataclass(slots=True)
class _Flat:
    """The page as one text, with where anchors and emphasised text sit in it."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    # Where a link target was written after its anchor text -> where that text starts.
    injected: dict[int, int] = field(default_factory=dict)
    # Headings and bold text, in the order they end (so sorted by end).
    emphasis: list[tuple[int, int]] = field(default_factory=list)
    emphasis_ends: list[int] = field(default_factory=list)

    def add(self, text: str | None) -> None:
        if text and self.length < MAX_SCAN_CHARS:
            folded = unicodedata.normalize("NFKC", text)
            self.parts.append(folded)
            self.length += len(folded)


def _flatten(root: lxml.html.HtmlElement) -> tuple[str, _Flat]:
    flat = _Flat()
    starts: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack and flat.length < MAX_SCAN_CHARS:
        element, closing = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if closing:
            if tag == "a":
                _inject_share_href(element, flat, starts.get(id(element), flat.length))
            elif tag in _EMPHASIS_TAGS:
                flat.emphasis.append((starts.get(id(element), flat.length), flat.length))
                flat.emphasis_ends.append(flat.length)
            if tag in _BLOCK_TAGS:
                flat.add("\n")
            flat.add(element.tail)
            continue
        if tag is None:  # comment or processing instruction: only its tail is page text
            flat.add(element.tail)
            continue
        if tag in _BLOCK_TAGS:
            flat.add("\n")
        starts[id(element)] = flat.length
        stack.append((element, True))
        if tag in _SKIP_TAGS:
            continue
        flat.add(element.text)
        stack.extend((child, False) for child in reversed(element))
    return "".join(flat.parts)[:MAX_SCAN_CHARS], flat


def _inject_share_href(anchor: Any, flat: _Flat, start: int) -> None:
    """Writes a share link's target after its anchor text, unless the text already shows it."""
    href = str(anchor.get("href") or "").strip()
    ref = classify_share_url(href) if href else None
    if ref is not None:
        shown = "".join(flat.parts[-50:])[-(flat.length - start) :] if flat.length > start else ""
        if ref.share_id not in shown or (ref.code is not None and ref.code not in shown):
            flat.injected[flat.length + 1] = start
            flat.add(" " + ref.url + " ")


def _meaningful(text: str) -> bool:
    stripped = _NOT_WORD.sub("", _GENERIC_WORDS.sub("", _URL_IN_TEXT.sub("", text)))
    return len(stripped) >= 2


def _strip_labels(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING_LABEL.sub("", text).rstrip(_TRAILING_SEPARATORS)
    return text


def _emphasis_before(flat: _Flat, start: int, floor: int) -> list[tuple[int, int]]:
    """Headings and bold text ending before ``start`` and after ``floor``, nearest first."""
    nearest: list[tuple[int, int]] = []
    index = bisect_right(flat.emphasis_ends, start) - 1
    while index >= 0 and flat.emphasis_ends[index] >= max(floor, start - _EMPHASIS_REACH):
        e_start, e_end = flat.emphasis[index]
        if floor <= e_start < e_end:
            nearest.append((e_start, e_end))
        index -= 1
    return nearest


def _title_context(text: str, flat: _Flat, start: int, floor: int) -> str | None:
    if start in flat.injected:
        anchor_text = text[flat.injected[start] : start]
        if _meaningful(anchor_text):
            return collapse_spaces(_strip_labels(anchor_text))[:200]
    window = text[floor:start]
    line_start = window.rfind("\n") + 1
    line = _strip_labels(window[line_start:])
    emphasised = _emphasis_before(flat, start, floor)
    if _meaningful(line):
        within_line = [span for span in emphasised if span[0] >= floor + line_start]
        if within_line:
            e_start, e_end = within_line[0]
            return collapse_spaces(text[e_start:e_end])[:200]
        return collapse_spaces(line)[-_CONTEXT_CHARS:].strip()
    for e_start, e_end in emphasised:
        if _meaningful(text[e_start:e_end]):
            return collapse_spaces(text[e_start:e_end])[:200]
    for earlier_line in reversed(_strip_labels(window[:line_start]).splitlines()):
        earlier = _strip_labels(earlier_line)
        if _meaningful(earlier):
            return collapse_spaces(earlier)[-_CONTEXT_CHARS:].strip()
    return None


@dataclass(frozen=True, slots=True)
class _Found:
    ref: ShareRef
    start: int
    end: int


def _find_share_links(text: str) -> list[_Found]:
    found: list[_Found] = []
    for match in _URL_IN_TEXT.finditer(text):
        raw = match.group(0).rstrip(".,;:!?)")
        ref = classify_share_url(raw)
        if ref is not None:
            found.append(_Found(ref, match.start(), match.start() + len(raw)))
    return found


class ShareLinkExtractor(Extractor):
    """Emits one ``share_link`` item per distinct share (provider and share id)."""

    name: ClassVar[str] = "share_links"
    media_types: ClassVar[tuple[str, ...]] = (*PAGE_TYPES, "text/plain")

    def extract(self, page: Page) -> list[ExtractedContent]:
        if not body_might_contain(page, _MAYBE_SHARE_BYTES):
            return []  # the common case, decided without parsing
        title: str | None = None
        if page.media_type.startswith("text/plain"):
            text = unicodedata.normalize("NFKC", page.text()[:MAX_SCAN_CHARS])
            flat = _Flat()
        else:
            tree = parse_html(page)
            if tree is None:
                return []
            text, flat = _flatten(tree)
            title = page_title(tree)
        found = _find_share_links(text)
        by_key: dict[tuple[str, str], dict[str, Any]] = {}
        floor = 0
        for index, item in enumerate(found):
            limit = found[index + 1].start if index + 1 < len(found) else len(text)
            after = text[item.end : min(limit, item.end + _AFTER_WINDOW)]
            code, code_source, consumed = item.ref.code, "url", item.end
            in_after = _CODE_IN_TEXT.search(after)
            if in_after:
                # Consumed even when the URL carries the code, so that the next link
                # neither takes it as its own nor reads it as its title.
                consumed = item.end + in_after.end()
            if code is None:
                code_source = "text"
                if in_after:
                    code = in_after.group(1)
                else:
                    before = text[max(floor, item.start - _BEFORE_CODE_WINDOW) : item.start]
                    in_before = _CODE_IN_TEXT.search(before)
                    code = in_before.group(1) if in_before else None
            context = _title_context(text, flat, item.start, floor)
            floor = consumed
            key = (item.ref.provider, item.ref.share_id)
            if key in by_key:
                known = by_key[key]
                if known["code"] is None and code is not None:
                    known.update(code=code, code_source=code_source)
                if known["title_context"] is None:
                    known["title_context"] = context
                continue
            by_key[key] = {
                "provider": item.ref.provider,
                "url": item.ref.url,
                "share_id": item.ref.share_id,
                "code": code,
                "code_source": code_source if code else None,
                "title_context": context,
                "page_title": title,
            }
        return [
            ExtractedContent(
                kind="share_link",
                source_url=page.url,
                extractor=self.name,
                text=data["title_context"],
                url=data["url"],
                data=data,
            )
            for data in by_key.values()
        ]
