"""Video and audio players: media elements, embedded players, HLS and DASH streams.

Pirate streaming sites rarely put the stream in a ``<video src>``: it sits in a player
configuration inside a script (``file: "…/index.m3u8"``, ``hls.loadSource("…")``), in a
``data-*`` attribute, or in the query of an embedded "parsing" player (``/jx/?url=…m3u8``).
All of them are read; nothing is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from swordnet.adapters.extractors._markup import (
    MAX_SCAN_CHARS,
    absolute_url,
    base_url,
    collapse_spaces,
    elements,
    page_title,
    parse_html,
)
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

_VIDEO_SUFFIXES = (".mp4", ".m4v", ".webm", ".mkv", ".mov", ".flv", ".avi", ".ts", ".ogv")
_AUDIO_SUFFIXES = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wav")
_SOURCE_ATTRIBUTES = ("src", "data-src", "data-url", "data-video", "data-source", "data-hls")
# Quoted strings in scripts that look like a stream or media file; bounded on both sides.
_QUOTED_MEDIA = re.compile(
    r"""["']([^"'\s<>]{1,2000}?\.(?:m3u8|mpd|mp4|m4v|webm|flv|mp3|m4a|aac)(?:\?[^"'\s<>]{0,500})?)["']""",
    re.I,
)
_TEXT_STREAM = re.compile(
    r"(?<![A-Za-z0-9./@-])https?://[A-Za-z0-9\-._~/?#@!$&*+,;=%:]{1,1000}?\.(?:m3u8|mpd)"
    r"(?:\?[A-Za-z0-9\-._~/?#@!$&*+,;=%:]{0,500})?",
    re.I,
)
_Add = Callable[..., None]
_PLAYER_HINT = re.compile(r"player|embed|/play|/jx|parse|/vod|/video", re.I)


def _unescape_script_url(raw: str) -> str:
    return raw.replace("\\/", "/").replace("\\u002F", "/").replace("\\u002f", "/")


def media_kind(url: str, mime_type: str | None = None) -> str | None:
    """``hls``, ``dash``, ``video`` or ``audio`` from a URL's path or a declared type."""
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return None
    mime = (mime_type or "").lower()
    if path.endswith(".m3u8") or "mpegurl" in mime:
        return "hls"
    if path.endswith(".mpd") or "dash+xml" in mime:
        return "dash"
    if path.endswith(_VIDEO_SUFFIXES) or mime.startswith("video/"):
        return "video"
    if path.endswith(_AUDIO_SUFFIXES) or mime.startswith("audio/"):
        return "audio"
    return None


def _element_title(element: Any) -> str | None:
    for attribute in ("title", "aria-label", "data-title", "alt"):
        value = collapse_spaces(str(element.get(attribute) or ""))
        if value:
            return value[:300]
    return None


class PlayerExtractor(Extractor):
    """Emits ``hls``, ``dash``, ``video``, ``audio`` and ``embed`` items.

    ``text`` stays empty: the item points at content still to fetch; the player's title and
    the page title are in ``data`` for matching by title.
    """

    name: ClassVar[str] = "players"

    def extract(self, page: Page) -> list[ExtractedContent]:
        tree = parse_html(page)
        if tree is None:
            return []
        base = base_url(tree, page.url)
        title = page_title(tree)
        found: dict[tuple[str, str], dict[str, Any]] = {}

        def add(kind: str, url: str | None, origin: str, **extra: Any) -> None:
            if url is None or (kind, url) in found:
                return
            found[(kind, url)] = {"origin": origin, "page_title": title, **extra}

        for element in elements(tree, "//video|//audio"):
            tag = element.tag.lower()
            for attribute in _SOURCE_ATTRIBUTES:
                url = absolute_url(base, str(element.get(attribute) or ""))
                if url:
                    add(media_kind(url) or tag, url, tag, title=_element_title(element))
            for source in elements(element, ".//source"):
                mime = source.get("type")
                for attribute in _SOURCE_ATTRIBUTES:
                    url = absolute_url(base, str(source.get(attribute) or ""))
                    if url:
                        kind = media_kind(url, mime) or tag
                        add(kind, url, "source", mime_type=mime, title=_element_title(element))
        for element in elements(tree, "//source[not(ancestor::video) and not(ancestor::audio)]"):
            url = absolute_url(base, str(element.get("src") or ""))
            kind = media_kind(url, element.get("type")) if url else None
            if kind:
                add(kind, url, "source", mime_type=element.get("type"), title=None)
        for element in elements(tree, "//iframe|//embed|//object"):
            self._embed(element, base, add)
        for value in tree.xpath("//@*[contains(., '.m3u8') or contains(., '.mpd')]")[:1000]:
            url = absolute_url(base, str(value))
            kind = media_kind(url) if url else None
            if kind in {"hls", "dash"}:
                add(str(kind), url, "attribute", title=None)
        self._scripts(tree, base, add)
        for match in _TEXT_STREAM.finditer(tree.text_content()[:MAX_SCAN_CHARS]):
            kind = media_kind(match.group(0))
            if kind:
                add(kind, match.group(0), "text", title=None)
        return [
            ExtractedContent(
                kind=kind,
                source_url=page.url,
                extractor=self.name,
                url=url,
                data=data,
            )
            for (kind, url), data in found.items()
        ]

    @staticmethod
    def _embed(element: Any, base: str, add: _Add) -> None:
        raw = str(element.get("src") or element.get("data-src") or element.get("data") or "")
        url = absolute_url(base, raw)
        if url is None:
            return
        tag = element.tag.lower()
        inner: list[str] = []
        for _, value in parse_qsl(urlsplit(url).query)[:20]:
            candidate = absolute_url(base, value)
            if candidate and media_kind(candidate):
                inner.append(candidate)
        is_player = (
            bool(inner)
            or element.get("allowfullscreen") is not None
            or _PLAYER_HINT.search(url) is not None
            or tag != "iframe"
        )
        if not is_player:
            return
        add("embed", url, tag, title=_element_title(element), streams=inner)
        for stream in inner:
            add(str(media_kind(stream)), stream, "embed_query", title=_element_title(element))

    @staticmethod
    def _scripts(tree: Any, base: str, add: _Add) -> None:
        budget = MAX_SCAN_CHARS
        for script in elements(tree, "//script[not(@src)]"):
            text = (script.text or "")[:budget]
            budget -= len(text)
            for match in _QUOTED_MEDIA.finditer(text):
                url = absolute_url(base, _unescape_script_url(match.group(1)))
                kind = media_kind(url) if url else None
                if kind:
                    add(kind, url, "script", title=None)
            if budget <= 0:
                return
