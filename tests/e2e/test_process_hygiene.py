"""Processes as an operator runs them: a configured secret key, ``kill -9``.

Reproductions of issue #18: with ``SWORDNET_SECRET_KEY`` set, the settings handed to the
worker processes failed validation, so ``works add`` and ``scan`` failed and a crawl
stored pages without detections; after ``kill -9`` of ``monitor run`` its analysis
workers lived on with parent 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world

SECRET = "0123456789abcdef0123456789abcdefXYZ"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SWORDNET_HOME": str(home),
        "SWORDNET_CRAWLER__ALLOW_NETWORKS": '["127.0.0.1/32"]',
        **extra,
    }
    env.pop("SWORDNET_DATABASE_URL", None)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swordnet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_a_configured_secret_key_does_not_break_detection(tmp_path: Path) -> None:
    world = build_world(with_media=False)
    chapter = world.catalogue[0]
    reference = tmp_path / "chapter.txt"
    reference.write_text(chapter.text or "", encoding="utf-8")
    env = _env(tmp_path / "home", SWORDNET_SECRET_KEY=SECRET, SWORDNET_WORKERS="2")
    added = _run(env, "works", "add", str(reference), "--title", chapter.title)
    assert added.returncode == 0, added.stderr
    assert "registered 1 file(s)" in added.stderr
    scanned = _run(env, "scan", "--json", str(reference))
    assert scanned.returncode == 0, scanned.stderr
    assert chapter.title in scanned.stdout
    with SimWeb(world.sites) as web:
        assert _run(env, "monitor", "add", "novels", web.base_urls["novels"] + "/").returncode == 0
        crawled = _run(env, "monitor", "run", "novels")
    assert crawled.returncode == 0, crawled.stderr
    assert " 0 new detections" not in crawled.stderr, crawled.stderr
    assert "new detections" in crawled.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_exit_when_the_crawl_is_killed(tmp_path: Path) -> None:
    world = build_world(with_media=False)
    env = _env(
        tmp_path / "home",
        SWORDNET_WORKERS="2",
        SWORDNET_CRAWLER__PER_HOST_CONCURRENCY="1",
        SWORDNET_CRAWLER__PER_HOST_DELAY_S="0.5",
    )
    with SimWeb(world.sites) as web:
        assert _run(env, "monitor", "add", "novels", web.base_urls["novels"] + "/").returncode == 0
        crawler = subprocess.Popen(
            [sys.executable, "-m", "swordnet", "monitor", "run", "novels"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(crawler.pid)
        assert len(workers) >= 2, "the crawl never started its analysis workers"
        os.kill(crawler.pid, signal.SIGKILL)
        crawler.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived their crawl"
