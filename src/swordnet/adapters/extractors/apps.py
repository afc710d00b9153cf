"""App download pages: installable files and what the page says about them.

Each ``.apk``/``.xapk``/``.apks``/``.ipa`` link (and each iOS ``itms-services`` manifest link)
becomes one item. Name, version, package and size are read first from the text around the
link, then from its URL and file name, and, when the page offers a single app, from the page
itself (schema.org SoftwareApplication, labelled fields such as "包名: com.x.y", the heading).
"""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import lxml.html  # type: ignore[import-untyped]

from swordnet.adapters.extractors._markup import (
    MAX_SCAN_CHARS,
    absolute_url,
    base_url,
    collapse_spaces,
    elements,
    parse_html,
)
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

_FILE_TYPES = {".apk": "android", ".xapk": "android", ".apks": "android", ".ipa": "ios"}
_PACKAGE = r"[A-Za-z][A-Za-z0-9_]{0,60}(?:\.[A-Za-z_][A-Za-z0-9_]{0,60}){1,8}"
_PACKAGE_LABEL = re.compile(
    r"(?:应用包名|软件包名|包名|(?i:package\s?name|package|bundle\s?id|app\s?id))\s{0,3}[:：]\s{0,3}("
    + _PACKAGE
    + r")"
)
_PACKAGE_ONLY = re.compile(_PACKAGE)
_VERSION_LABEL = re.compile(
    # Not the Android version an app requires ("安卓版本: 5.0", "Android version 8+").
    r"(?<!安卓)(?<!系统)(?<!历史)(?<!ndroid )(?<!ndroid)"
    r"(?:当前版本|最新版本|版本号|版本|(?i:version|ver\.?))\s{0,3}[:：]?\s{0,3}[vV]?"
    r"(\d{1,5}(?:\.\d{1,6}){0,4}(?:[-_ ]?(?i:beta|alpha|rc)\d{0,3})?)"
)
_VERSION_IN_NAME = re.compile(r"(?:^|[_\-\s])[vV]?(\d{1,4}(?:\.\d{1,6}){1,4})")
_SIZE_LABEL = re.compile(
    r"(?:安装包大小|文件大小|应用大小|大小|(?i:file\s?size|size))\s{0,3}[:：]?\s{0,3}"
    r"(\d{1,6}(?:\.\d{1,3})?)\s{0,2}((?i:[KMG]B?|bytes))(?![A-Za-z])"
)
_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "b": 1}
_GENERIC_LINK_TEXT = re.compile(
    r"立即下载|高速下载|普通下载|本地下载|安卓下载|苹果下载|电脑版下载|下载|安装|点击|"
    r"(?i:download|install|apk|ipa|now|free|here|android|ios|get)"
)
_MAYBE_APP = re.compile(r"\.(?:apks?|xapk|ipa)\b", re.I)
_APP_TYPES = frozenset({"softwareapplication", "mobileapplication", "videogame"})
_LOCAL_TEXT_CHARS = 400
_COUNT_DOWNLOADS = (
    "count(.//a[contains(@href, '.apk') or contains(@href, '.ipa') or contains(@href, '.xapk')"
    " or contains(@href, '.apks') or starts-with(@href, 'itms-services:')])"
)


def _fold(text: str) -> str:
    return collapse_spaces(unicodedata.normalize("NFKC", text))


def parse_size(text: str) -> tuple[int, str] | None:
    """Bytes and the size as written, from "大小: 56.3MB", "Size: 1.2 GB" and the like."""
    found = _SIZE_LABEL.search(text)
    if not found:
        return None
    unit = found.group(2)
    size = Decimal(found.group(1)) * _UNITS[unit[0].lower()]
    return int(size), f"{found.group(1)} {unit.upper()}"


def _labelled(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if package := _PACKAGE_LABEL.search(text):
        fields["package"] = package.group(1)
    if version := _VERSION_LABEL.search(text):
        fields["version"] = version.group(1).strip()
    if size := parse_size(text):
        fields["size_bytes"], fields["size_text"] = size
    return fields


def _from_url(url: str) -> tuple[dict[str, Any], str | None, str | None]:
    """Fields readable from a download URL, its file type, and its file name."""
    parts = urlsplit(url)
    fields: dict[str, Any] = {}
    query = parse_qs(parts.query)
    for key in ("id", "package", "pkg", "packageName", "package_name", "bundleId"):
        for value in query.get(key, []):
            if _PACKAGE_ONLY.fullmatch(value):
                fields.setdefault("package", value)
    filename = unquote(parts.path.rsplit("/", 1)[-1])
    suffix = next((s for s in _FILE_TYPES if filename.lower().endswith(s)), None)
    if suffix is None:
        return fields, None, filename or None
    stem = filename[: -len(suffix)]
    head = re.split(r"[_\-\s]", stem, maxsplit=1)[0]
    if _PACKAGE_ONLY.fullmatch(head):
        fields.setdefault("package", head)
    elif head and not head[0].isdigit():
        fields["name_guess"] = head
    if version := _VERSION_IN_NAME.search(stem):
        fields["version"] = version.group(1)
    return fields, suffix[1:], filename


def _local_text(anchor: Any) -> str:
    """Text of the largest small block around a link holding no other download link: its
    list item, card or table row."""
    best = _fold(anchor.text_content())
    node = anchor.getparent()
    for _ in range(4):
        if node is None or node.tag in {"body", "html"} or node.xpath(_COUNT_DOWNLOADS) > 1:
            break
        text = _fold(node.text_content())
        if len(text) > _LOCAL_TEXT_CHARS:
            break
        best, node = text, node.getparent()
    return best


def _link_name(anchor: Any) -> str | None:
    text = _fold(anchor.text_content() or anchor.get("title") or "")
    remainder = re.sub(r"[\W_]+", "", _GENERIC_LINK_TEXT.sub("", text))
    return text[:200] if len(remainder) >= 2 else None


def _json_ld_app(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    for script in elements(tree, "//script[@type='application/ld+json']"):
        try:
            document = json.loads((script.text or "")[:1_000_000], strict=False)
        except (ValueError, RecursionError):
            continue
        nodes = document if isinstance(document, list) else [document]
        if isinstance(document, dict) and isinstance(document.get("@graph"), list):
            nodes = document["@graph"]
        for node in nodes[:100]:
            if not isinstance(node, dict):
                continue
            types = node.get("@type")
            names = {str(t).lower() for t in (types if isinstance(types, list) else [types])}
            if names & _APP_TYPES:
                fields: dict[str, Any] = {}
                for key, target in (("name", "name"), ("softwareVersion", "version")):
                    if isinstance(node.get(key), str | int | float):
                        fields[target] = _fold(str(node[key]))[:200]
                if isinstance(node.get("fileSize"), str):
                    size = parse_size("size " + node["fileSize"])
                    if size:
                        fields["size_bytes"], fields["size_text"] = size
                if isinstance(node.get("downloadUrl"), str):
                    fields["download_url"] = node["downloadUrl"]
                return fields
    return {}


def _page_fields(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    texts = tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
    page_text = _fold(" ".join(str(t) for t in texts)[:MAX_SCAN_CHARS])
    fields = _labelled(page_text)
    for heading in elements(tree, "//h1"):
        name = _fold(heading.text_content())
        if name:
            fields["page_name"] = name[:200]
            break
    og_title = tree.xpath("string(//meta[@property='og:title']/@content)")
    if "page_name" not in fields and og_title:
        fields["page_name"] = _fold(str(og_title))[:200]
    return fields


class AppExtractor(Extractor):
    """Emits one ``app`` item per distinct installable download link."""

    name: ClassVar[str] = "apps"

    def extract(self, page: Page) -> list[ExtractedContent]:
        tree = parse_html(page)
        if tree is None:
            return []
        base = base_url(tree, page.url)
        links: dict[str, dict[str, Any]] = {}
        for anchor in elements(tree, "//a[@href]"):
            href = str(anchor.get("href")).strip()
            if href.lower().startswith("itms-services:"):
                manifest = parse_qs(urlsplit(href).query).get("url", [None])[0]
                fields: dict[str, Any] = {"platform": "ios", "file_type": "manifest"}
                fields["manifest_url"] = manifest
                fields.update(_labelled(_local_text(anchor)))
                if name := _link_name(anchor):
                    fields["name"] = name
                links.setdefault(href, fields)
                continue
            if not _MAYBE_APP.search(href):
                continue
            url = absolute_url(base, href)
            if url is None or url in links:
                continue
            from_url, file_type, filename = _from_url(url)
            if file_type is None:
                continue
            fields = {"platform": _FILE_TYPES["." + file_type], "file_type": file_type}
            fields["filename"] = filename
            fields.update(from_url)
            fields.update(_labelled(_local_text(anchor)))
            if name := _link_name(anchor):
                fields["name"] = name
            links[url] = fields
        described = _json_ld_app(tree)
        download = described.pop("download_url", None)
        download_url = absolute_url(base, download) if isinstance(download, str) else None
        if download_url and download_url not in links:
            from_url, file_type, filename = _from_url(download_url)
            links[download_url] = {
                "platform": _FILE_TYPES.get("." + (file_type or "")),
                "file_type": file_type,
                "filename": filename,
                **from_url,
            }
        if len(links) == 1:
            page_fields = _page_fields(tree)
            if "name" in described:
                described["page_name"] = described.pop("name")
            page_fields.update(described)
            only = next(iter(links.values()))
            for key, value in page_fields.items():
                only.setdefault(key, value)
        items: list[ExtractedContent] = []
        for url, fields in links.items():
            # A link's own words first, then the page's (one app only), then the file name.
            fields["name"] = (
                fields.get("name") or fields.get("page_name") or fields.get("name_guess")
            )
            data = {
                key: fields.get(key)
                for key in ("name", "version", "package", "size_bytes", "size_text")
            }
            data.update(
                platform=fields.get("platform"),
                file_type=fields.get("file_type"),
                filename=fields.get("filename"),
            )
            if "manifest_url" in fields:
                data["manifest_url"] = fields["manifest_url"]
            items.append(
                ExtractedContent(
                    kind="app",
                    source_url=page.url,
                    extractor=self.name,
                    text=data["name"],
                    url=url,
                    data=data,
                )
            )
        return items
