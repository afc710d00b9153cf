from __future__ import annotations

import json

from swordnet.adapters.extractors.magnets import TorrentExtractor, info_hash_hex, parse_magnet
from swordnet.plugins.extractors import ExtractedContent, Page

SITE = "https://bt.example.org/movie/123.html"
HEX = "c9e15763f722f23e98a29decdfae341b98d53056"
# The same 20 bytes in base32.
B32 = "ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW"


def _extract(html: str, media_type: str = "text/html") -> list[ExtractedContent]:
    return TorrentExtractor().extract(Page(SITE, media_type, html.encode("utf-8")))


def test_base32_and_hex_hashes_agree() -> None:
    assert info_hash_hex(B32) == HEX
    assert info_hash_hex(B32.lower()) == HEX
    assert info_hash_hex(HEX.upper()) == HEX
    assert info_hash_hex("not-a-hash") is None


def test_magnet_in_href_with_name_trackers_and_length() -> None:
    html = f"""<div class="dl"><a href="magnet:?xt=urn:btih:{HEX.upper()}&amp;dn=%E4%B8%89%E4%BD%93.S01E01.2160p.mkv&amp;tr=udp%3A%2F%2Ftracker.example.net%3A1337%2Fannounce&amp;tr=https://t2.example.com/announce&amp;xl=4294967296">磁力链接</a></div>"""
    [item] = _extract(html)
    assert item.kind == "torrent"
    assert item.extractor == "torrents"
    assert item.text == "三体.S01E01.2160p.mkv"
    assert item.url is not None and item.url.startswith("magnet:?xt=urn:btih:")
    assert item.data == {
        "source": "magnet",
        "info_hash": HEX,
        "info_hash_v2": None,
        "display_name": "三体.S01E01.2160p.mkv",
        "trackers": ["udp://tracker.example.net:1337/announce", "https://t2.example.com/announce"],
        "size_bytes": 4294967296,
    }
    json.dumps(item.data)


def test_magnets_in_text_and_data_attributes_dedupe_by_hash() -> None:
    html = f"""<p>流浪地球2 磁力：magnet:?xt=urn:btih:{B32}&dn=Wandering.Earth.II</p>
    <button data-clipboard-text="magnet:?xt=urn:btih:{HEX}">复制</button>
    <script>var m = "magnet:?xt=urn:btih:{"a" * 40}&dn=other";</script>"""
    items = _extract(html)
    assert [i.data["info_hash"] for i in items] == [HEX, "a" * 40]
    assert items[0].data["display_name"] == "Wandering.Earth.II"


def test_torrent_files_are_resolved_and_named() -> None:
    html = """<html><head><base href="/files/"></head><body>
    <a href="Oppenheimer.2023.1080p.torrent">Oppenheimer (2023) 1080p BluRay</a>
    <a href="https://cdn.example.org/t/%E5%A4%A9%E9%BE%99%E5%85%AB%E9%83%A8.torrent?key=1">下载种子</a>
    <a href="/page.html">not a torrent</a>
    <p>镜像 https://mirror.example.net/dl/Oppenheimer.torrent</p></body></html>"""
    items = _extract(html)
    assert [(i.url, i.text) for i in items] == [
        (
            "https://bt.example.org/files/Oppenheimer.2023.1080p.torrent",
            "Oppenheimer (2023) 1080p BluRay",
        ),
        (
            "https://cdn.example.org/t/%E5%A4%A9%E9%BE%99%E5%85%AB%E9%83%A8.torrent?key=1",
            "下载种子",
        ),
        ("https://mirror.example.net/dl/Oppenheimer.torrent", "Oppenheimer"),
    ]
    assert items[0].data["source"] == "torrent_file"
    assert items[0].data["info_hash"] is None


def test_v2_magnets_and_rejected_magnets() -> None:
    v2 = "1220" + "ab" * 32
    data = parse_magnet(f"magnet:?xt=urn:btmh:{v2}&dn=x")
    assert data is not None
    assert (data["info_hash"], data["info_hash_v2"]) == (None, "ab" * 32)
    assert parse_magnet("magnet:?xt=urn:btih:1234&dn=short") is None
    assert parse_magnet("magnet:?dn=nohash") is None


def test_plain_text_and_hostile_pages() -> None:
    [item] = _extract(f"magnet:?xt=urn:btih:{HEX}\n", media_type="text/plain")
    assert item.data["info_hash"] == HEX
    assert _extract("") == []
    assert _extract("<a href='magnet:?xt=urn:btih:" + "z" * 100_000 + "'>x</a>") == []
    assert _extract("https://" + "a/" * 200_000 + ".torrents") == []
