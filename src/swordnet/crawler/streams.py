"""HLS playlists stand for the stream they list: fetch its segments and treat the joined
stream as the response. Used by the crawl and by compliance re-checks alike."""

from __future__ import annotations

from dataclasses import replace

from swordnet.crawler.sniff import sniff_media_type
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


async def prepare_response(
    response: FetchResult, fetcher: Fetcher, budget: StreamBudget | None = None
) -> tuple[FetchResult, str, str | None]:
    """What the pipeline analyses of a fetched response, with its real media type (sniffed
    from the first bytes when the header is vague or wrong) and the name to give the
    signals: an HLS playlist is replaced by its stream, kept under the playlist's URL and
    named ``...#stream.ts`` so that the signals read it as video."""
    if not response.ok:
        return response, "", None
    media_type = sniff_media_type(response.media_type, response.body)
    if media_type not in HLS_TYPES and not is_hls(response):
        return response, media_type, None
    stream = await assemble_stream(response, fetcher, budget)
    if stream.error is not None:
        return stream, "", None
    return replace(stream, final_url=response.final_url), stream.media_type, stream.final_url
