"""Hostile media cannot take a crawl down: the whole process tree stays under 1.5 GB and
every hostile file ends in a recorded error naming what it exceeded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import select

from swordnet.bootstrap import bootstrap
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.hostile_media import EXPECTED, build_hostile_media_site
from swordnet.simweb.server import SimWeb
from swordnet.storage import models

PEAK_LIMIT_MB = 1500
_CRAWL = """
import sys
from swordnet.bootstrap import bootstrap
from swordnet.crawler.engine import CrawlPolicy
from swordnet.services.crawling import crawl
container = bootstrap()
report = crawl(container, [sys.argv[1]], CrawlPolicy(max_pages=40, max_depth=2, max_seconds=300))
print(report.stopped_because)
container.close()
"""


@pytest.fixture(scope="session")
def hostile_media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-media")  # generated once per session


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue  # exited between the listing and the reading
    return total


def _crawl_sampling_rss(home: Path, url: str) -> tuple[int, str, float]:
    """Run the crawl in its own process tree (crawl loop and worker processes); sample the
    tree's total RSS every 5 ms. Returns the peak, the crawl's output and its duration."""
    env = {
        **os.environ,
        "SWORDNET_HOME": str(home),
        "SWORDNET_WORKERS": "2",
        "SWORDNET_CRAWLER__ALLOW_NETWORKS": json.dumps(["127.0.0.1/32"]),
    }
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", _CRAWL, url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process, peak = psutil.Process(child.pid), 0
    try:
        while child.poll() is None and time.monotonic() - started < 600:
            peak = max(peak, _tree_rss(process))
            time.sleep(0.005)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, f"the crawl failed: {err[-3000:]}"
    return peak, out, time.monotonic() - started


def test_hostile_media_are_refused_in_bounded_memory(
    tmp_path: Path, hostile_media_dir: Path
) -> None:
    home = tmp_path / "home"
    with SimWeb([build_hostile_media_site(hostile_media_dir)]) as web:
        base = web.base_urls["hostile-media"]
        peak, out, elapsed = _crawl_sampling_rss(home, base + "/")
    peak_mb = peak / 1024 / 1024
    print(f"peak RSS of the crawl's process tree: {peak_mb:.0f} MB in {elapsed:.1f} s")
    assert "frontier empty" in out
    container = bootstrap(Settings(home=home, crawler=CrawlerSettings()))
    with container.sessions() as session:
        rows = {
            row.url.removeprefix(base): row for row in session.scalars(select(models.FrontierUrl))
        }
        captures = {c.url.removeprefix(base): c for c in session.scalars(select(models.Capture))}
    container.close()
    for path, expected in EXPECTED.items():
        row = rows[path]
        assert row.state != "queued", f"{path} was never settled"
        explained = f"{row.error or ''} {captures[path].error if path in captures else ''}"
        assert expected in explained, f"{path}: expected {expected!r}, got {explained!r}"
    poster = captures["/media/huge-poster.png"]
    assert poster.error is None, "a 79-megapixel picture is within budget: fingerprinted"
    assert peak_mb < PEAK_LIMIT_MB, f"memory blew up: {peak_mb:.0f} MB"
