"""Magnet links and ``.torrent`` files a page offers.

A magnet names its content by info-hash, which is what a takedown notice and a tracker
check need; base32 hashes (older clients) are converted to the usual lower-case hex.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from swordnet.adapters.extractors._markup import (
    MAX_SCAN_CHARS,
    absolute_url,
    base_url,
    body_might_contain,
    collapse_spaces,
    elements,
    page_text,
    parse_html,
)
from swordnet.domain.pages import PAGE_TYPES
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

_MAGNET = re.compile(r"magnet:\?[A-Za-z0-9\-._~/?#@!$&*+,;=%:\[\]]{1,4000}", re.I)
_TORRENT_URL = re.compile(
    r"(?<![A-Za-z0-9./@-])https?://[A-Za-z0-9\-._~/?#@!$&*+,;=%:]{1,1000}?\.torrent(?![A-Za-z0-9])",
    re.I,
)
_MAYBE_TORRENT = re.compile(rb"magnet:|\.torrent", re.I)
_HEX_HASH = re.compile(r"[0-9a-fA-F]{40}")
_BASE32_HASH = re.compile(r"[A-Za-z2-7]{32}")
_V2_HASH = re.compile(r"1220([0-9a-fA-F]{64})")
_MAX_TRACKERS = 50


def info_hash_hex(value: str) -> str | None:
    """A BitTorrent v1 info-hash as lower-case hex, from hex or base32, or None."""
    if _HEX_HASH.fullmatch(value):
        return value.lower()
    if _BASE32_HASH.fullmatch(value):
        try:
            return base64.b32decode(value.upper()).hex()
        except (binascii.Error, ValueError):
            return None
    return None


def parse_magnet(uri: str) -> dict[str, Any] | None:
    """Info-hash(es), display name, trackers and exact length of a magnet URI."""
    try:
        query = parse_qs(urlsplit(uri).query)
    except ValueError:
        return None
    info_hash: str | None = None
    info_hash_v2: str | None = None
    for topic in query.get("xt", []):
        lowered = topic.lower()
        if lowered.startswith("urn:btih:") and info_hash is None:
            info_hash = info_hash_hex(topic[len("urn:btih:") :])
        elif lowered.startswith("urn:btmh:") and info_hash_v2 is None:
            found = _V2_HASH.fullmatch(topic[len("urn:btmh:") :])
            info_hash_v2 = found.group(1).lower() if found else None
    if info_hash is None and info_hash_v2 is None:
        return None
    names = query.get("dn", [])
    lengths = [int(v) for v in query.get("xl", []) if v.isdigit() and len(v) < 20]
    trackers = list(dict.fromkeys(t for t in query.get("tr", []) if t))[:_MAX_TRACKERS]
    return {
        "info_hash": info_hash,
        "info_hash_v2": info_hash_v2,
        "display_name": collapse_spaces(names[0])[:500] if names else None,
        "trackers": trackers,
        "size_bytes": lengths[0] if lengths else None,
    }


def _torrent_name(url: str) -> str:
    path = urlsplit(url).path
    return unquote(path.rsplit("/", 1)[-1])[: -len(".torrent")] or path


class TorrentExtractor(Extractor):
    """Emits ``torrent`` items: one per info-hash for magnets, one per URL for .torrent files."""

    name: ClassVar[str] = "torrents"
    media_types: ClassVar[tuple[str, ...]] = (*PAGE_TYPES, "text/plain")

    def extract(self, page: Page) -> list[ExtractedContent]:
        if not body_might_contain(page, _MAYBE_TORRENT):
            return []  # the common case, decided without parsing
        magnets: list[str] = []
        torrents: list[tuple[str, str | None]] = []
        if page.media_type.startswith("text/plain"):
            text = page_text(page)[:MAX_SCAN_CHARS]
        else:
            tree = parse_html(page)
            if tree is None:
                return []
            base = base_url(tree, page.url)
            for anchor in elements(tree, "//a[@href]"):
                href = str(anchor.get("href")).strip()
                if href.lower().startswith("magnet:"):
                    magnets.append(href)
                    continue
                url = absolute_url(base, href)
                if url and urlsplit(url).path.lower().endswith(".torrent"):
                    label = collapse_spaces(anchor.text_content())[:300]
                    torrents.append((url, label or None))
            # Copy buttons and players keep magnets in data attributes.
            magnets.extend(
                str(v)
                for v in tree.xpath(
                    "//@*[starts-with(translate(., 'MAGNET', 'magnet'), 'magnet:')]"
                )
            )
            text = tree.text_content()[:MAX_SCAN_CHARS]
        magnets.extend(m.group(0) for m in _MAGNET.finditer(text))
        torrents.extend((m.group(0), None) for m in _TORRENT_URL.finditer(text))
        return self._magnet_items(page, magnets) + self._torrent_items(page, torrents)

    def _magnet_items(self, page: Page, magnets: list[str]) -> list[ExtractedContent]:
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for raw in magnets:
            uri = raw.strip()
            data = parse_magnet(uri)
            if data is None:
                continue
            key = str(data["info_hash"] or data["info_hash_v2"])
            if key not in found:
                found[key] = (uri, data)
                continue
            # The same hash pasted twice: keep the first URI, fill in what it lacked.
            known = found[key][1]
            for field_name in ("display_name", "size_bytes", "info_hash_v2"):
                known[field_name] = known[field_name] or data[field_name]
            trackers = dict.fromkeys(known["trackers"] + data["trackers"])
            known["trackers"] = list(trackers)[:_MAX_TRACKERS]
        return [
            ExtractedContent(
                kind="torrent",
                source_url=page.url,
                extractor=self.name,
                text=data["display_name"],
                url=uri,
                data={"source": "magnet", **data},
            )
            for uri, data in found.values()
        ]

    def _torrent_items(
        self, page: Page, torrents: list[tuple[str, str | None]]
    ) -> list[ExtractedContent]:
        items: dict[str, ExtractedContent] = {}
        for url, label in torrents:
            if url in items:
                continue
            name = label if label and label != url else _torrent_name(url)
            items[url] = ExtractedContent(
                kind="torrent",
                source_url=page.url,
                extractor=self.name,
                text=name,
                url=url,
                data={
                    "source": "torrent_file",
                    "info_hash": None,
                    "info_hash_v2": None,
                    "display_name": name,
                    "trackers": [],
                    "size_bytes": None,
                },
            )
        return list(items.values())
