from __future__ import annotations

import json

import pytest

from swordnet.adapters.extractors.apps import AppExtractor, parse_size
from swordnet.plugins.extractors import ExtractedContent, Page

PAGE = "https://www.apk.example.cn/soft/12345.html"


def _extract(html: str) -> list[ExtractedContent]:
    return AppExtractor().extract(Page(PAGE, "text/html", html.encode("utf-8")))


def test_single_app_page_takes_labelled_fields_from_the_page() -> None:
    html = """<html><body><h1>某某视频VIP破解版</h1>
    <ul class="info"><li>安卓版本：8.0以上</li><li>版本：v5.2.1</li><li>大小：56.3MB</li>
      <li>包名：com.example.video</li><li>更新时间：2024-03-01</li></ul>
    <a class="btn" href="/down/mmsp_v5.2.1.apk">立即下载</a>
    <script>var ver = "版本: 9.9.9";</script></body></html>"""
    [item] = _extract(html)
    assert item.kind == "app"
    assert item.extractor == "apps"
    assert item.url == "https://www.apk.example.cn/down/mmsp_v5.2.1.apk"
    assert item.text == "某某视频VIP破解版"
    assert item.data == {
        "name": "某某视频VIP破解版",
        "version": "5.2.1",
        "package": "com.example.video",
        "size_bytes": 59034828,
        "size_text": "56.3 MB",
        "platform": "android",
        "file_type": "apk",
        "filename": "mmsp_v5.2.1.apk",
    }
    json.dumps(item.data)


def test_download_list_reads_each_card_and_file_name() -> None:
    html = """<div class="list">
      <div class="card"><a href="https://dl.example.cn/com.tencent.mm_8.0.40.apk">微信 8.0.40</a>
        <span>Size: 250.1 MB</span></div>
      <div class="card"><a href="/ios/WeChat-8.0.41.ipa">Download</a><span>大小 1.2G</span></div>
      <div class="card"><a href="/files/game.xapk?package=com.studio.game">原神 国际服</a>
        <span>Version 4.5.0</span></div>
      <a href="/about.html">关于我们</a></div>"""
    items = _extract(html)
    assert [(i.data["name"], i.data["version"], i.data["package"]) for i in items] == [
        ("微信 8.0.40", "8.0.40", "com.tencent.mm"),
        ("WeChat", "8.0.41", None),
        ("原神 国际服", "4.5.0", "com.studio.game"),
    ]
    assert [(i.data["platform"], i.data["file_type"]) for i in items] == [
        ("android", "apk"),
        ("ios", "ipa"),
        ("android", "xapk"),
    ]
    assert items[0].data["size_bytes"] == 262248857
    assert items[1].data["size_text"] == "1.2 G"
    assert items[2].data["size_bytes"] is None


def test_json_ld_software_application_and_ios_manifest() -> None:
    html = """<script type="application/ld+json">{"@context": "https://schema.org",
      "@type": "MobileApplication", "name": "Some Game Mod", "softwareVersion": "2.3",
      "fileSize": "88MB", "downloadUrl": "https://cdn.example.cn/somegame-mod.apk"}</script>
    <p>Package: com.some.game</p>
    <a href="itms-services://?action=download-manifest&amp;url=https://cdn.example.cn/app.plist">
      iOS 企业版安装</a>"""
    items = _extract(html)
    assert [(i.kind, i.url) for i in items] == [
        ("app", "itms-services://?action=download-manifest&url=https://cdn.example.cn/app.plist"),
        ("app", "https://cdn.example.cn/somegame-mod.apk"),
    ]
    assert items[0].data["manifest_url"] == "https://cdn.example.cn/app.plist"
    assert items[0].data["platform"] == "ios"
    assert items[0].data["name"] == "iOS 企业版安装"
    assert items[1].data["name"] == "somegame"
    assert items[1].data["package"] is None


def test_json_ld_fills_a_single_link() -> None:
    html = """<script type="application/ld+json">{"@type": "SoftwareApplication",
      "name": "Photo Editor Pro", "softwareVersion": "7.1.0", "fileSize": "12 MB"}</script>
    <p>Package name: com.photo.editor</p><a href="/d/pe.apk">Download APK</a>"""
    [item] = _extract(html)
    assert item.data["name"] == "Photo Editor Pro"
    assert item.data["version"] == "7.1.0"
    assert item.data["package"] == "com.photo.editor"
    assert item.data["size_bytes"] == 12 * 1024**2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大小：56.3MB", (59034828, "56.3 MB")),
        ("file size: 900 KB", (921600, "900 KB")),
        ("Size 2 GB", (2147483648, "2 GB")),
        ("尺寸 5 寸", None),
    ],
)
def test_parse_size(text: str, expected: tuple[int, str] | None) -> None:
    assert parse_size(text) == expected


def test_pages_without_apps_and_hostile_pages() -> None:
    assert _extract("<a href='/app.html'>App</a><p>版本: 1.0</p>") == []
    assert _extract("") == []
    assert _extract("<a href='http://[::1/x.apk'>x</a>" + "<div>" * 5000) == []


def test_the_android_version_required_is_not_the_app_version() -> None:
    html = """<h1>某某阅读</h1><p>安卓版本：8.0以上</p><p>Requires Android version 9</p>
    <p>历史版本 4.0</p><p>版本：v5.2.1</p><a href="/down/reader.apk">下载</a>"""
    [item] = _extract(html)
    assert (item.data["name"], item.data["version"]) == ("某某阅读", "5.2.1")
