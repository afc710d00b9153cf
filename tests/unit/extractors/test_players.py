from __future__ import annotations

import json

from swordnet.adapters.extractors.players import PlayerExtractor, media_kind
from swordnet.plugins.extractors import ExtractedContent, Page

PAGE = "https://v.example.tv/play/4521-1-3.html"


def _extract(html: str) -> list[ExtractedContent]:
    return PlayerExtractor().extract(Page(PAGE, "text/html", html.encode("utf-8")))


def _kinds(items: list[ExtractedContent]) -> list[tuple[str, str | None]]:
    return [(item.kind, item.url) for item in items]


def test_video_and_audio_elements_with_sources_resolve_against_the_page() -> None:
    html = """<html><head><title>庆余年 第二季 第3集 在线观看</title></head><body>
    <video id="v" poster="/p.jpg" title="庆余年2 EP03">
      <source src="/media/qyn2-03.mp4" type="video/mp4">
      <source src="//cdn.example.tv/hls/qyn2/03/index.m3u8" type="application/x-mpegURL">
    </video>
    <audio src="../music/song.mp3"></audio>
    <video src="blob:https://v.example.tv/123"></video></body></html>"""
    items = _extract(html)
    assert _kinds(items) == [
        ("video", "https://v.example.tv/media/qyn2-03.mp4"),
        ("hls", "https://cdn.example.tv/hls/qyn2/03/index.m3u8"),
        ("audio", "https://v.example.tv/music/song.mp3"),
    ]
    assert items[0].extractor == "players"
    assert items[0].text is None
    assert items[0].data == {
        "origin": "source",
        "page_title": "庆余年 第二季 第3集 在线观看",
        "mime_type": "video/mp4",
        "title": "庆余年2 EP03",
    }
    assert items[2].data["title"] is None
    json.dumps([item.data for item in items])


def test_hls_inside_scripts_and_data_attributes_with_base_href() -> None:
    html = r"""<html><head><base href="https://static.example.tv/site/"></head><body>
    <div id="player" data-src="streams/abc/playlist.m3u8"></div>
    <script>
      new DPlayer({video: {url: 'https:\/\/s1.example.tv\/2024\/xyz\/index.m3u8?sign=9f'}});
      hls.loadSource("/live/ch1/master.m3u8");
      jwplayer("p").setup({file: "https://cdn.example.tv/movie/full.mp4", title: "x"});
      var manifest = "https://dash.example.tv/v/manifest.mpd";
      var unrelated = "https://example.tv/app.js";
    </script></body></html>"""
    items = _extract(html)
    assert _kinds(items) == [
        ("hls", "https://static.example.tv/site/streams/abc/playlist.m3u8"),
        ("hls", "https://s1.example.tv/2024/xyz/index.m3u8?sign=9f"),
        ("hls", "https://static.example.tv/live/ch1/master.m3u8"),
        ("video", "https://cdn.example.tv/movie/full.mp4"),
        ("dash", "https://dash.example.tv/v/manifest.mpd"),
    ]
    assert items[0].data["origin"] == "attribute"
    assert items[1].data["origin"] == "script"


def test_embedded_players_and_parsing_players_with_streams_in_the_query() -> None:
    html = """<iframe src="https://player.bilibili.com/player.html?bvid=BV1xx411c7mD"
      allowfullscreen title="三体 第1集"></iframe>
    <iframe src="/jx/?url=https%3A%2F%2Fcdn.pirate.example%2F2024%2Fst%2Findex.m3u8"></iframe>
    <iframe src="https://ads.example.com/banner?id=3"></iframe>
    <embed src="/flash/player.swf">"""
    items = _extract(html)
    assert _kinds(items) == [
        ("embed", "https://player.bilibili.com/player.html?bvid=BV1xx411c7mD"),
        (
            "embed",
            "https://v.example.tv/jx/?url=https%3A%2F%2Fcdn.pirate.example%2F2024%2Fst%2Findex.m3u8",
        ),
        ("hls", "https://cdn.pirate.example/2024/st/index.m3u8"),
        ("embed", "https://v.example.tv/flash/player.swf"),
    ]
    assert items[0].data["title"] == "三体 第1集"
    assert items[1].data["streams"] == ["https://cdn.pirate.example/2024/st/index.m3u8"]
    assert items[2].data["origin"] == "embed_query"


def test_streams_pasted_as_text() -> None:
    [item] = _extract("<p>直播源: https://live.example.cn/tv/cctv6.m3u8?k=1 高清</p>")
    assert (item.kind, item.url, item.data["origin"]) == (
        "hls",
        "https://live.example.cn/tv/cctv6.m3u8?k=1",
        "text",
    )


def test_media_kind() -> None:
    assert media_kind("https://x/a.M3U8") == "hls"
    assert media_kind("https://x/stream", "application/dash+xml") == "dash"
    assert media_kind("https://x/a.flac") == "audio"
    assert media_kind("https://x/page.html") is None


def test_hostile_pages() -> None:
    assert _extract("") == []
    quotes = _extract("<script>" + "'a" * 200_000 + "</script><p>" + "http://a." * 100_000)
    assert quotes == []
    items = _extract("<video src='http://[::1'></video><iframe src='javascript:alert(1)'></iframe>")
    assert items == []
