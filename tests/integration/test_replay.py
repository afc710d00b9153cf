"""Replay of captured pages from real WARC files through pywb, in process, offline."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from swordnet.crawler.capture import EncodedRecord, encode_response
from swordnet.web.replay import ReplayRecord, replay_app, replay_path

FETCHED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
PAGE_URL = "https://pirate.example/film/1"
IMAGE_URL = "https://pirate.example/img/cover.png"
IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
TITLE = "盗版電影《長安十二時辰》在線觀看"
PAGE = (
    f"<html><head><meta charset='utf-8'><title>{TITLE}</title>"
    "<link rel='stylesheet' href='/style.css'></head><body>"
    "<img src='/img/cover.png'><script>alert(1)</script>"
    "<form action='/login'><input name='p'></form></body></html>"
).encode()


def make_page_record() -> EncodedRecord:
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": "tracker=1; Path=/",
        "Content-Disposition": "attachment; filename=x.html",
    }
    return encode_response(PAGE_URL, 200, headers, PAGE, FETCHED)


PAGE_RECORD = make_page_record()
IMAGE_RECORD = encode_response(IMAGE_URL, 200, {"Content-Type": "image/png"}, IMAGE, FETCHED)


def other_record(url: str, text: str) -> EncodedRecord:
    body = f"<html><body>{text}</body></html>".encode()
    return encode_response(url, 200, {"Content-Type": "text/html"}, body, FETCHED)


@pytest.fixture
def warc_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "warc"
    directory.mkdir()
    (directory / "run-000001.warc.gz").write_bytes(PAGE_RECORD.data + IMAGE_RECORD.data)
    return directory


def client(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, root_path="/replay")
    return httpx.AsyncClient(transport=transport, base_url="http://swordnet.test")


async def get(app: Any, path: str) -> httpx.Response:
    async with client(app) as http:
        return await http.get("/replay" + path)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every outbound connection attempt, refused and recorded."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts


def test_page_and_its_image_replay_as_captured(warc_dir: Path, tmp_path: Path) -> None:
    app = replay_app(warc_dir, tmp_path / "work", refresh_interval=0)

    async def scenario() -> None:
        page = await get(app, replay_path(PAGE_URL, FETCHED))
        assert page.status_code == 200
        assert f"<title>{TITLE}</title>" in page.content.decode("utf-8")
        # the image the page references is rewritten into the archive, under the mount
        src = re.search(r"<img src=[\"']([^\"']+)", page.text)
        assert src is not None and src.group(1).startswith("/replay/20240501120000")
        async with client(app) as http:
            image = await http.get(src.group(1))
        assert image.status_code == 200 and image.content == IMAGE
        assert image.headers["content-type"] == "image/png"
        raw = await get(app, replay_path(PAGE_URL, FETCHED, raw=True))
        assert raw.content == PAGE
        # requests run side by side in a2wsgi's threads
        async with client(app) as http:
            many = await asyncio.gather(*(http.get(src.group(1)) for _ in range(16)))
        assert {(r.status_code, r.content) for r in many} == {(200, IMAGE)}

    asyncio.run(scenario())


def test_hostile_page_gets_a_restrictive_policy_and_no_headers_of_its_own(
    warc_dir: Path, tmp_path: Path
) -> None:
    app = replay_app(warc_dir, tmp_path / "work", refresh_interval=0)
    for raw in (False, True):
        response = asyncio.run(get(app, replay_path(PAGE_URL, FETCHED, raw=raw)))
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        for directive in ("script-src 'none'", "form-action 'none'", "frame-ancestors 'self'"):
            assert directive in policy
        assert "sandbox" in policy and "allow-scripts" not in policy
        assert "set-cookie" not in response.headers
        assert "content-disposition" not in response.headers
        assert response.headers["x-content-type-options"] == "nosniff"


def test_what_was_not_captured_is_404_and_never_fetched_live(
    warc_dir: Path, tmp_path: Path, no_network: list[object]
) -> None:
    app = replay_app(warc_dir, tmp_path / "work", refresh_interval=0)
    for path in (
        "/20240501120000cs_/https://pirate.example/style.css",  # referenced, not captured
        replay_path("https://elsewhere.example/", FETCHED),
        "/20240501120000id_/https://pirate.example/img/other.png",
        "/*/https://pirate.example/*",  # no listing of captures either
    ):
        response = asyncio.run(get(app, path))
        assert response.status_code == 404, path
        assert "content-security-policy" in response.headers
    assert no_network == []


def test_a_warc_added_later_is_indexed_and_unchanged_ones_are_not(
    warc_dir: Path, tmp_path: Path
) -> None:
    app = replay_app(warc_dir, tmp_path / "work", refresh_interval=0)
    later = "https://pirate.example/film/2"
    assert asyncio.run(get(app, replay_path(later, FETCHED))).status_code == 404
    first_segment = next((tmp_path / "work" / "segments").glob("*.cdxj"))
    indexed_at = first_segment.stat().st_mtime_ns

    (warc_dir / "run-000002.warc.gz").write_bytes(other_record(later, "第二部").data)
    response = asyncio.run(get(app, replay_path(later, FETCHED)))
    assert response.status_code == 200 and "第二部" in response.text
    assert first_segment.stat().st_mtime_ns == indexed_at
    assert app.index.refresh() == 0


def test_a_corrupt_or_cut_off_warc_does_not_stop_the_others(
    warc_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (warc_dir / "run-000003.warc.gz").write_bytes(b"this is not a WARC file\n" * 100)
    whole = other_record("https://pirate.example/a", "complete")
    cut = other_record("https://pirate.example/b", "cut off")
    growing = warc_dir / "run-000004.warc.gz"
    at = len(cut.data) - 4  # in the gzip trailer: the record reads whole, the member is not
    growing.write_bytes(whole.data + cut.data[:at])
    app = replay_app(warc_dir, tmp_path / "work", refresh_interval=0)

    with caplog.at_level(logging.WARNING, logger="swordnet.web.replay"):
        assert asyncio.run(get(app, replay_path(PAGE_URL, FETCHED))).status_code == 200
    warned = sorted(r.getMessage() for r in caplog.records)
    assert len(warned) == 2
    assert str(warc_dir / "run-000003.warc.gz") in warned[0] and "not a WARC record" in warned[0]
    assert str(growing) in warned[1] and "1 records before it indexed" in warned[1]
    assert (
        asyncio.run(get(app, replay_path("https://pirate.example/a", FETCHED))).status_code == 200
    )
    assert (
        asyncio.run(get(app, replay_path("https://pirate.example/b", FETCHED))).status_code == 404
    )

    # the crawl finishes writing the record: the next pass indexes it from where it stopped
    with growing.open("ab") as handle:
        handle.write(cut.data[at:])
    response = asyncio.run(get(app, replay_path("https://pirate.example/b", FETCHED)))
    assert response.status_code == 200 and "cut off" in response.text


def test_allow_hook_sees_the_record_and_the_request(warc_dir: Path, tmp_path: Path) -> None:
    asked: list[tuple[ReplayRecord, str]] = []

    def allow(record: ReplayRecord, scope: Any) -> bool:
        asked.append((record, scope["root_path"]))
        return record.url != IMAGE_URL

    app = replay_app(warc_dir, tmp_path / "work", allow, refresh_interval=0)
    assert asyncio.run(get(app, replay_path(PAGE_URL, FETCHED))).status_code == 200
    image = asyncio.run(get(app, replay_path(IMAGE_URL, FETCHED, raw=True)))
    assert image.status_code == 404
    warc_file = str(warc_dir / "run-000001.warc.gz")
    assert asked == [
        (ReplayRecord(PAGE_URL, "20240501120000", warc_file, 0), "/replay"),
        (ReplayRecord(IMAGE_URL, "20240501120000", warc_file, len(PAGE_RECORD.data)), "/replay"),
    ]


def test_replay_path_is_the_captures_address() -> None:
    naive = datetime(2024, 5, 1, 12, 0, 0)  # as SQLite gives it back
    assert (
        replay_path("https://a.example/x?y=1", naive) == "/20240501120000/https://a.example/x?y=1"
    )
    assert replay_path("https://a.example/電影", FETCHED, raw=True) == (
        "/20240501120000id_/https://a.example/%E9%9B%BB%E5%BD%B1"
    )


def test_importing_replay_under_uvicorn_does_not_monkey_patch(
    warc_dir: Path, tmp_path: Path
) -> None:
    pytest.importorskip("uvicorn")
    script = textwrap.dedent(
        f"""
        import asyncio, socket, sys
        from pathlib import Path
        import httpx, uvicorn
        from swordnet.web.replay import replay_app
        import gevent.monkey
        assert not gevent.monkey.is_anything_patched(), "gevent patched the process"

        async def main():
            app = replay_app(Path({str(warc_dir)!r}), Path({str(tmp_path / "work")!r}))
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started:
                await asyncio.sleep(0.01)
            port = sock.getsockname()[1]
            async with httpx.AsyncClient() as http:
                page = await http.get(f"http://127.0.0.1:{{port}}{replay_path(PAGE_URL, FETCHED)}")
            server.should_exit = True
            await task
            assert page.status_code == 200, page.status_code
            print(page.content.decode("utf-8"))

        asyncio.run(main())
        assert not gevent.monkey.is_anything_patched()
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert TITLE in done.stdout
