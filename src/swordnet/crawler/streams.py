"""HLS playlists stand for the stream they list: fetch its segments and treat the joined
stream as the response. Used by the crawl and by compliance re-checks alike."""

from __future__ import annotations

from dataclasses import replace

from swordnet.adapters.fetchers.http import HttpFetcher
from swordnet.domain.errors import SwordNetError
from swordnet.modalities.video.hls import StreamBudget, fetch_video
from swordnet.plugins.fetchers import Fetcher, FetchResult

HLS_TYPES = {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl"}
STREAM_TYPE = "video/mp2t"


def is_hls(response: FetchResult) -> bool:
    return response.media_type in HLS_TYPES or response.body.lstrip()[:7] == b"#EXTM3U"


async def assemble_stream(
    playlist: FetchResult, fetcher: Fetcher, budget: StreamBudget | None = None
) -> FetchResult:
    """The playlist's stream as one response (``final_url`` ends in ``#stream.ts`` so that
    signals read it as video), or the playlist with an error when it cannot be fetched."""
    if not isinstance(fetcher, HttpFetcher):
        return replace(playlist, error="HLS stream: needs the HTTP fetcher", body=b"", status=0)
    try:
        stream = await fetch_video(playlist.final_url, fetcher, budget)
    except SwordNetError as exc:
        return replace(playlist, error=f"HLS stream: {exc}", body=b"", status=0)
    note = f"{stream.segments} segments, {stream.media_s:g} s"
    headers = {
        "content-type": STREAM_TYPE,
        "x-swordnet-hls": note + (", cut at the budget" if stream.cut else ""),
    }
    return replace(
        playlist,
        final_url=f"{playlist.final_url}#stream.ts",
        body=stream.data,
        headers=headers,
        truncated=stream.cut,
    )
