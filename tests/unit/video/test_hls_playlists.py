"""HLS playlist parsing (the fetching itself is tested in tests/integration)."""

from __future__ import annotations

import pytest

from swordnet.domain.errors import UnsupportedMediaError
from swordnet.modalities.video.hls import is_playlist, parse_media_playlist, pick_variant

MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2"
hd/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=640x360
https://cdn.example/sd/index.m3u8
"""

MEDIA = """#EXTM3U
#EXT-X-TARGETDURATION:4
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.000,
seg0.m4s
#EXTINF:3.5,title
/abs/seg1.m4s
#EXT-X-ENDLIST
"""


def test_lowest_bandwidth_variant_is_chosen() -> None:
    assert pick_variant(MASTER, "https://site.example/live/master.m3u8") == (
        "https://cdn.example/sd/index.m3u8"
    )
    assert pick_variant(MEDIA, "https://site.example/x.m3u8") is None


def test_media_playlist_segments_and_init() -> None:
    playlist = parse_media_playlist(MEDIA, "https://site.example/v/index.m3u8")
    assert playlist.init == "https://site.example/v/init.mp4"
    assert playlist.segments == [
        ("https://site.example/v/seg0.m4s", 4.0),
        ("https://site.example/abs/seg1.m4s", 3.5),
    ]
    assert playlist.ended and is_playlist(b"\xef\xbb\xbf#EXTM3U\n")


def test_encrypted_streams_are_refused() -> None:
    text = '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXTINF:2,\ns.ts\n'
    with pytest.raises(UnsupportedMediaError, match="encrypted"):
        parse_media_playlist(text, "https://site.example/p.m3u8")
