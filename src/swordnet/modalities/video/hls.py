"""Fetching video from HTTP URLs and HLS playlists through SwordNet's own fetcher.

FFmpeg can open ``http://`` and ``.m3u8`` URLs itself, but then it would connect wherever
a playlist points, past the address policy that keeps the crawler off private networks.
So every request (playlist, variant, init segment, media segment) goes through
SwordNet's ``Fetcher`` (whose contract includes the address policy); the fetched bytes are
decoded from memory.
A live or very long stream is cut at a byte, time and media-duration budget: what was
fetched by then is fingerprinted, and the result says it was cut.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

from swordnet.domain.errors import FetchError, MediaTooLargeError, UnsupportedMediaError
from swordnet.plugins.fetchers import Fetcher, FetchResult


@dataclass(frozen=True, slots=True)
class StreamBudget:
    max_bytes: int = 256 * 1024 * 1024
    max_wall_s: float = 300.0
    max_media_s: float = 3 * 3600.0
    max_segments: int = 5000


@dataclass(frozen=True, slots=True)
class FetchedVideo:
    url: str
    data: bytes
    segments: int = 0  # HLS media segments fetched; 0 for a plain file
    media_s: float = 0.0  # their declared duration
    cut: bool = False  # a budget ran out before the end of the stream
    variant: str | None = None  # the variant playlist chosen from a master playlist
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MediaPlaylist:
    init: str | None
    segments: list[tuple[str, float]]  # absolute URL, declared seconds
    ended: bool


_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def is_playlist(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"#EXTM3U")


def attributes(line: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTRIBUTE.findall(line.split(":", 1)[-1])}


def pick_variant(text: str, base_url: str) -> str | None:
    """The lowest-bandwidth variant of a master playlist: enough pixels to fingerprint."""
    lines = [line.strip() for line in text.splitlines()]
    variants: list[tuple[int, str]] = []
    for position, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF"):
            bandwidth = int(attributes(line).get("BANDWIDTH", "0") or 0)
            uri = next((u for u in lines[position + 1 :] if u and not u.startswith("#")), None)
            if uri is not None:
                variants.append((bandwidth, urljoin(base_url, uri)))
    return min(variants)[1] if variants else None


def parse_media_playlist(text: str, base_url: str) -> MediaPlaylist:
    init: str | None = None
    segments: list[tuple[str, float]] = []
    pending: float | None = None
    ended = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXT-X-KEY"):
            method = attributes(line).get("METHOD", "NONE").upper()
            if method != "NONE":
                raise UnsupportedMediaError(f"{base_url}: encrypted HLS ({method}) is not read")
        elif line.startswith("#EXT-X-MAP"):
            uri = attributes(line).get("URI")
            init = urljoin(base_url, uri) if uri else None
        elif line.startswith("#EXTINF:"):
            try:
                pending = float(line[len("#EXTINF:") :].split(",", 1)[0])
            except ValueError:
                pending = 0.0
        elif line.startswith("#EXT-X-ENDLIST"):
            ended = True
        elif not line.startswith("#") and pending is not None:
            segments.append((urljoin(base_url, line), pending))
            pending = None
    return MediaPlaylist(init, segments, ended)


async def fetch_video(
    url: str, fetcher: Fetcher, budget: StreamBudget | None = None
) -> FetchedVideo:
    """Fetch a video file or an HLS stream within ``budget``; raise ``FetchError`` on failure."""
    budget = budget or StreamBudget()
    started = time.monotonic()
    first = _checked(await fetcher.fetch(url), url)
    if not is_playlist(first.body):
        if first.truncated:
            raise MediaTooLargeError(f"{url}: the video is larger than the fetch limit")
        return FetchedVideo(url=url, data=first.body)
    text = first.body.decode("utf-8", errors="replace")
    base = first.final_url
    variant = pick_variant(text, base)
    if variant is not None:
        chosen = _checked(await fetcher.fetch(variant), variant)
        if not is_playlist(chosen.body):
            raise FetchError(f"{variant}: the variant is not an HLS playlist")
        text, base = chosen.body.decode("utf-8", errors="replace"), chosen.final_url
    playlist = parse_media_playlist(text, base)
    if not playlist.segments:
        raise FetchError(f"{url}: the playlist lists no media segments")
    parts: list[bytes] = []
    size = 0
    if playlist.init is not None:
        init = _checked(await fetcher.fetch(playlist.init), playlist.init).body
        parts.append(init)
        size += len(init)
    fetched, media_s, cut = 0, 0.0, False
    for segment_url, seconds in playlist.segments:
        over_time = time.monotonic() - started > budget.max_wall_s
        if over_time or fetched >= budget.max_segments or media_s >= budget.max_media_s:
            cut = True
            break
        result = await fetcher.fetch(segment_url)
        if result.error is not None or not 200 <= result.status < 300:
            if fetched == 0:
                _checked(result, segment_url)
            cut = True  # later segments missing: keep what was fetched
            break
        if size + len(result.body) > budget.max_bytes or result.truncated:
            cut = True
            break
        parts.append(result.body)
        size += len(result.body)
        fetched += 1
        media_s += seconds
    if fetched == 0:
        raise MediaTooLargeError(f"{url}: the first HLS segment is over the byte budget")
    return FetchedVideo(
        url=url,
        data=b"".join(parts),
        segments=fetched,
        media_s=round(media_s, 3),
        cut=cut or not playlist.ended,
        variant=variant,
    )


def _checked(result: FetchResult, url: str) -> FetchResult:
    if result.error is not None:
        raise FetchError(f"{url}: {result.error}")
    if not 200 <= result.status < 300:
        raise FetchError(f"{url}: HTTP {result.status}")
    return result
