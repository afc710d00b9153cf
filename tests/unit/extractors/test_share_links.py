from __future__ import annotations

import json
import time

import pytest

from swordnet.adapters.extractors.share_links import ShareLinkExtractor, classify_share_url
from swordnet.plugins.extractors import ExtractedContent, Page

FORUM = "https://bbs.example.cn/thread-1.html"


def _extract(html: str, url: str = FORUM, media_type: str = "text/html") -> list[ExtractedContent]:
    return ShareLinkExtractor().extract(Page(url, media_type, html.encode("utf-8")))


def _by_id(items: list[ExtractedContent]) -> dict[str, ExtractedContent]:
    return {item.data["share_id"]: item for item in items}


def test_plain_text_baidu_link_with_code_and_title_before_it() -> None:
    html = """<html><head><title>资源分享区</title></head><body><div class="post">
    《三体》全集 百度网盘 链接: https://pan.baidu.com/s/1AbC-d_EfGh 提取码: 8x7k<br>
    </div></body></html>"""
    [item] = _extract(html)
    assert item.kind == "share_link"
    assert item.extractor == "share_links"
    assert item.source_url == FORUM
    assert item.url == "https://pan.baidu.com/s/1AbC-d_EfGh"
    assert item.text == "《三体》全集 百度网盘"
    assert item.data == {
        "provider": "baidu",
        "url": "https://pan.baidu.com/s/1AbC-d_EfGh",
        "share_id": "1AbC-d_EfGh",
        "code": "8x7k",
        "code_source": "text",
        "title_context": "《三体》全集 百度网盘",
        "page_title": "资源分享区",
    }
    json.dumps(item.data)


def test_code_in_the_url_wins_and_full_width_colons_are_read() -> None:
    html = """<p>流浪地球2 4K 链接：https://pan.baidu.com/s/1xYz9876?pwd=ab12 提取码：zzzz</p>
    <p>球状闪电.epub<br>链接：pan.quark.cn/s/7d3f9a2b1c<br>提取码：Q9w8</p>"""
    items = _by_id(_extract(html))
    assert items["1xYz9876"].data["code"] == "ab12"
    assert items["1xYz9876"].data["code_source"] == "url"
    assert items["1xYz9876"].text == "流浪地球2 4K"
    quark = items["7d3f9a2b1c"]
    assert quark.data["provider"] == "quark"
    assert quark.url == "https://pan.quark.cn/s/7d3f9a2b1c"
    assert quark.data["code"] == "Q9w8"
    assert quark.text == "球状闪电.epub"


def test_codes_do_not_leak_between_neighbouring_links() -> None:
    html = """<div>三体 https://pan.baidu.com/s/1first111 提取码: aaaa
    球状闪电 https://pan.baidu.com/s/1second22
    超新星纪元 https://pan.baidu.com/s/1third333 密码:cccc</div>"""
    items = _by_id(_extract(html))
    assert items["1first111"].data["code"] == "aaaa"
    assert items["1second22"].data["code"] is None
    assert items["1second22"].data["code_source"] is None
    assert items["1third333"].data["code"] == "cccc"
    assert [items[k].text for k in ("1first111", "1second22", "1third333")] == [
        "三体",
        "球状闪电",
        "超新星纪元",
    ]


def test_href_links_take_the_anchor_text_or_the_heading_as_title() -> None:
    html = """<h2>庆余年 第二季 全集 1080P</h2>
    <p>下载地址：<a href="https://www.aliyundrive.com/s/Kj3hG7fD2sQ">点击下载</a></p>
    <ul><li><a href="https://www.alipan.com/s/9zXcVbNm1">赘婿 全36集 高清</a> 密码：7788</li></ul>
    """
    items = _by_id(_extract(html))
    aliyun = items["Kj3hG7fD2sQ"]
    assert aliyun.data["provider"] == "aliyun"
    assert aliyun.text == "庆余年 第二季 全集 1080P"
    assert aliyun.data["code"] is None
    alipan = items["9zXcVbNm1"]
    assert alipan.data["provider"] == "aliyun"
    assert alipan.text == "赘婿 全36集 高清"
    assert alipan.data["code"] == "7788"


def test_bold_title_in_the_same_paragraph_is_preferred() -> None:
    html = """<h1>科幻小说合集</h1><p><b>《球状闪电》</b>刘慈欣著，经典科幻长篇。
    百度网盘链接：<a href="https://pan.baidu.com/s/1qWeRtY">https://pan.baidu.com/s/1qWeRtY</a>
    提取码：k2k2</p>"""
    [item] = _extract(html)
    assert item.text == "《球状闪电》"
    assert item.data["code"] == "k2k2"


def test_115_lanzou_and_generic_providers() -> None:
    html = """<table><tr><td>斗罗大陆 动画 1-200集</td>
    <td><a href="https://115cdn.com/s/swn4bs33x6k?password=f00d#">115网盘</a></td></tr>
    <tr><td>某某App破解版</td><td>https://wwi.lanzoui.com/iAbCdEf1234 密码:5fgh</td></tr>
    <tr><td>Three-Body Problem S01 2160p</td>
    <td>https://pan.xunlei.com/s/VNqwe123RTY?pwd=x9y8 code: zzzz</td></tr>
    <tr><td>Oppenheimer 2023</td><td>https://www.123pan.com/s/abc-DEF12 code: x9y8</td></tr>
    </table>"""
    items = _by_id(_extract(html))
    assert items["swn4bs33x6k"].data["provider"] == "115"
    assert items["swn4bs33x6k"].data["code"] == "f00d"
    assert items["swn4bs33x6k"].text == "斗罗大陆 动画 1-200集"
    assert items["iAbCdEf1234"].data["provider"] == "lanzou"
    assert items["iAbCdEf1234"].data["code"] == "5fgh"
    assert items["iAbCdEf1234"].text == "某某App破解版"
    assert items["VNqwe123RTY"].data["provider"] == "pan.xunlei.com"
    assert items["VNqwe123RTY"].data["code"] == "x9y8"
    assert items["abc-DEF12"].data["provider"] == "123pan.com"
    assert items["abc-DEF12"].data["code"] == "x9y8"
    assert items["abc-DEF12"].text == "Oppenheimer 2023"


def test_code_written_before_the_link_and_on_the_next_line() -> None:
    html = """<p>天龙八部 修订版 提取码：tl88 链接：https://pan.baidu.com/s/1tlbb</p>
    <p>鹿鼎记<br>https://pan.baidu.com/share/init?surl=LuDing9<br>提取码为 ldj9</p>"""
    items = _by_id(_extract(html))
    assert items["1tlbb"].data["code"] == "tl88"
    assert items["1LuDing9"].data["code"] == "ldj9"
    assert items["1LuDing9"].text == "鹿鼎记"


def test_duplicates_merge_and_unrelated_urls_are_ignored() -> None:
    html = """<p>三体 <a href="https://pan.baidu.com/s/1dup">https://pan.baidu.com/s/1dup</a></p>
    <p>再发一次 https://pan.baidu.com/s/1dup 提取码: d0d0</p>
    <p>https://japan.example.com/s/notashare https://www.example.com/s/abcdef
    解压密码: www.example.com https://cloud.example.org/files/123</p>"""
    [item] = _extract(html)
    assert item.data["share_id"] == "1dup"
    assert item.data["code"] == "d0d0"
    assert item.text == "三体"


def test_plain_text_pages_and_gbk_pages() -> None:
    [item] = _extract(
        "活着 余华 https://pan.quark.cn/s/abcd1234 pwd: 1q2w\n", media_type="text/plain"
    )
    assert (item.data["provider"], item.data["code"], item.text) == ("quark", "1q2w", "活着 余华")
    # Labelled GB2312 but using a GBK-only character, as many pages do.
    gbk = '<meta charset="gb2312"><p>围城 钱钟书 镕 https://pan.baidu.com/s/1wcqs 提取码: wc01'
    page = Page(FORUM, "text/html", gbk.encode("gbk"))
    [item] = ShareLinkExtractor().extract(page)
    assert item.text == "围城 钱钟书 镕"


def test_classify_share_url() -> None:
    ref = classify_share_url("pan.baidu.com/s/1abcd?pwd=9x9x")
    assert ref is not None
    assert (ref.provider, ref.share_id, ref.code) == ("baidu", "1abcd", "9x9x")
    assert classify_share_url("https://pan.baidu.com/disk/home") is None
    assert classify_share_url("https://lanzoux.com/b0ab12cd") is not None
    assert classify_share_url("https://lanzoux.com/u/someone/files") is None
    assert classify_share_url("http://[::1/s/x") is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\xff\xfe<<<>>>",
        b"<html><body>" + b"<div>" * 5000 + b"https://pan.baidu.com/s/1deep",
        b"<p>" + b"a." * 500_000 + b"</p>",
        b"<p>" + "提取码".encode() * 100_000 + b"</p>",
        b"<?xml version='1.0' encoding='utf-8'?><html><p>https://pan.quark.cn/s/abcd1234</p></html>",
    ],
)
def test_hostile_pages_never_raise_and_stay_fast(body: bytes) -> None:
    started = time.perf_counter()
    items = ShareLinkExtractor().extract(Page(FORUM, "text/html", body))
    assert time.perf_counter() - started < 5
    assert all(item.kind == "share_link" for item in items)


def test_pages_in_encodings_that_are_not_ascii_compatible() -> None:
    html = "<p>三体 https://pan.quark.cn/s/abcd1234 提取码: 1q2w</p>"
    page = Page(FORUM, "text/html", html.encode("utf-16"), encoding="utf-16")
    [item] = ShareLinkExtractor().extract(page)
    assert (item.data["share_id"], item.data["code"]) == ("abcd1234", "1q2w")
    assert ShareLinkExtractor().extract(Page(FORUM, "text/html", b"<p>no links here</p>")) == []


def test_a_code_repeated_after_a_url_that_carries_it_is_not_lent_to_the_next_link() -> None:
    html = """<p>三体 链接：https://pan.baidu.com/s/1santi?pwd=8x7k 提取码：8x7k 球状闪电
    链接：https://pan.baidu.com/s/1qiuzhuang</p>"""
    items = _by_id(_extract(html))
    assert items["1santi"].data["code"] == "8x7k"
    assert items["1qiuzhuang"].data["code"] is None
    assert items["1qiuzhuang"].text == "球状闪电"


def test_code_only_in_the_href_of_a_link_showing_the_bare_url() -> None:
    html = """<p>三体 <a href="https://pan.baidu.com/s/1santi?pwd=x1y2">pan.baidu.com/s/1santi</a></p>"""
    [item] = _extract(html)
    assert (item.data["code"], item.data["code_source"], item.text) == ("x1y2", "url", "三体")
