"""HLS and HTTP video through SwordNet's fetcher, served by a loopback server the test runs."""

from __future__ import annotations

import asyncio
import functools
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.adapters.fetchers.http import HttpFetcher
from swordnet.domain.errors import FetchError
from swordnet.modalities.video import VideoSignal
from swordnet.modalities.video.hls import FetchedVideo, StreamBudget, fetch_video
from swordnet.modalities.video.synth import synthetic_video
from swordnet.plugins.signals import MediaInput

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("hls")
    reference = synthetic_video(root / "reference.mp4", seed=31, seconds=24.0)
    live = root / "live"
    live.mkdir()
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-ss", "6", "-t", "12",
         "-i", str(reference), "-c:v", "libx264", "-preset", "ultrafast", "-g", "20",
         "-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
         "-hls_segment_filename", str(live / "seg%03d.ts"), str(live / "low.m3u8")],
        check=True,
    )  # fmt: skip
    (root / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000\nlive/missing.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=300000\nlive/low.m3u8\n"
    )
    (root / "evil.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nhttp://169.254.169.254/seg.ts\n"
        "#EXT-X-ENDLIST\n"
    )
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _fetch(url: str, *, allow: bool = True, budget: StreamBudget | None = None) -> FetchedVideo:
    async def run() -> FetchedVideo:
        fetcher = HttpFetcher(AddressPolicy(["127.0.0.1/32"] if allow else []))
        try:
            return await fetch_video(url, fetcher, budget)
        finally:
            await fetcher.aclose()

    return asyncio.run(run())


def test_master_playlist_stream_matches_reference(site: tuple[str, Path]) -> None:
    base, root = site
    signal = VideoSignal()
    index = signal.new_index()
    index.add(1, signal.fingerprint(MediaInput.from_path(root / "reference.mp4"), role="reference"))
    fetched = _fetch(f"{base}/master.m3u8")
    assert fetched.variant is not None and fetched.variant.endswith("low.m3u8")
    assert fetched.segments >= 5 and not fetched.cut
    hits = index.query(signal.fingerprint_fetched(fetched))
    assert [hit.ref_id for hit in hits] == [1]
    segment = hits[0].segments[0]
    assert abs(segment.reference[0] - 6.0) <= 2.0 and abs(segment.reference[1] - 18.0) <= 2.0


def test_plain_http_file_is_fetched(site: tuple[str, Path]) -> None:
    base, root = site
    fetched = _fetch(f"{base}/reference.mp4")
    assert fetched.data == (root / "reference.mp4").read_bytes() and fetched.segments == 0


def test_budget_cuts_the_stream(site: tuple[str, Path]) -> None:
    base, _ = site
    fetched = _fetch(f"{base}/live/low.m3u8", budget=StreamBudget(max_segments=2))
    assert fetched.segments == 2 and fetched.cut


def test_loopback_is_refused_without_allow_list(site: tuple[str, Path]) -> None:
    base, _ = site
    with pytest.raises(FetchError, match="refused"):
        _fetch(f"{base}/master.m3u8", allow=False)


def test_segments_on_private_addresses_are_refused(site: tuple[str, Path]) -> None:
    base, _ = site
    with pytest.raises(FetchError, match="refused"):
        _fetch(f"{base}/evil.m3u8")
