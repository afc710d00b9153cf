"""What every extractor of this package promises: registered under its name, built from
settings, JSON-serialisable data, and no exception or stall on hostile pages."""

from __future__ import annotations

import json
import time

import pytest

from swordnet import plugins
from swordnet.plugins.extractors import Extractor, Page
from swordnet.settings import Settings

KINDS = {
    "share_links": {"share_link"},
    "torrents": {"torrent"},
    "listings": {"listing"},
    "apps": {"app"},
    "players": {"hls", "dash", "video", "audio", "embed"},
}

EVERYTHING = """<html><head><title>资源站</title>
<meta property="og:type" content="product"><meta property="og:title" content="三体 全集">
<meta property="product:price:amount" content="5.00"></head><body>
<p>《三体》 链接: https://pan.baidu.com/s/1abcdef 提取码: 8x7k</p>
<a href="magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&amp;dn=santi">磁力</a>
<a href="/dl/santi_v1.0.apk">下载</a>
<video src="/v/santi.mp4"></video><script>hls.loadSource("/hls/santi/index.m3u8")</script>
</body></html>"""

HOSTILE = [
    b"",
    b"\x00" * 1000,
    bytes(range(256)) * 100,
    b"<html>" + b"<div><a href='x'>" * 20_000,
    b"<p>" + b"https://pan.baidu.com/s/" * 100_000,
    b"<script>" + b"'magnet:?xt=urn:btih:" * 100_000 + b"</script>",
    b"<!--" + b"a" * 3_000_000,
    b"<a href='" + b"%" * 500_000 + b".apk'>x</a><iframe src='\x00'></iframe>",
]


def _ours() -> list[type[Extractor]]:
    return [plugins.extractors.get(name) for name in sorted(KINDS)]


def test_all_are_registered() -> None:
    assert set(KINDS) <= set(plugins.extractors.names())


@pytest.mark.parametrize("cls", _ours(), ids=lambda cls: cls.name)
def test_items_are_well_formed(cls: type[Extractor], settings: Settings) -> None:
    extractor = cls.from_settings(settings)
    page = Page("https://site.example.cn/p/1.html", "text/html", EVERYTHING.encode("utf-8"))
    assert extractor.accepts(page)
    items = extractor.extract(page)
    assert items, cls.name
    for item in items:
        assert item.kind in KINDS[cls.name]
        assert item.extractor == cls.name
        assert item.source_url == page.url
        assert json.loads(json.dumps(item.data)) == item.data


@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("cls", _ours(), ids=lambda cls: cls.name)
def test_hostile_pages_yield_lists_quickly(cls: type[Extractor], body: bytes) -> None:
    started = time.perf_counter()
    items = cls().extract(Page("https://site.example.cn/", "text/html", body))
    assert isinstance(items, list)
    assert time.perf_counter() - started < 10, cls.name
