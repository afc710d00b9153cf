"""``kill -9`` the crawler mid-run, restart it: every page stored once, every detection once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from swordnet.bootstrap import bootstrap
from swordnet.demo.campaign import write_catalogue
from swordnet.services.catalogue import register_files
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world


def _done_pages(database: Path) -> int:
    try:
        with closing(sqlite3.connect(database, timeout=5)) as connection:
            row = connection.execute(
                "SELECT count(*) FROM frontier_url WHERE state = 'done'"
            ).fetchone()
            return int(row[0])
    except sqlite3.OperationalError:
        return 0


def test_kill_nine_then_resume_stores_each_page_and_detection_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    world = build_world()
    settings = Settings(
        home=home, workers=1, crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"])
    )
    container = bootstrap(settings)
    register_files(container, write_catalogue(world, tmp_path / "catalogue"))
    container.close()
    env = {
        **os.environ,
        "SWORDNET_HOME": str(home),
        "SWORDNET_WORKERS": "1",
        "SWORDNET_CRAWLER__ALLOW_NETWORKS": '["127.0.0.1/32"]',
        "SWORDNET_CRAWLER__PER_HOST_CONCURRENCY": "1",
        "SWORDNET_CRAWLER__PER_HOST_DELAY_S": "0.4",
    }
    env.pop("SWORDNET_DATABASE_URL", None)
    command = [sys.executable, "-m", "swordnet"]
    with SimWeb(world.sites) as web:
        base = web.base_urls["novels"]
        added = subprocess.run(
            [*command, "monitor", "add", "novels", base + "/"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert added.returncode == 0, added.stderr
        crawler = subprocess.Popen(
            [*command, "monitor", "run", "novels"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while _done_pages(home / "swordnet.db") < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(crawler.pid, signal.SIGKILL)
        crawler.wait(10)
        done_at_kill = _done_pages(home / "swordnet.db")
        assert 4 <= done_at_kill < len(world.sites[0].routes) - 1, "the kill must land mid-run"

        resumed = subprocess.run(
            [*command, "monitor", "run", "novels"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert resumed.returncode == 0, resumed.stderr
        assert "stopped: frontier empty" in resumed.stderr
        hits = web.hits("novels")

    with closing(sqlite3.connect(home / "swordnet.db")) as db:
        runs = db.execute("SELECT id, status FROM crawl_run").fetchall()
        assert len(runs) == 1 and runs[0][1] == "finished", "the restart resumed the same run"
        states = dict(
            db.execute("SELECT state, count(*) FROM frontier_url GROUP BY state").fetchall()
        )
        assert set(states) == {"done"}
        per_url = db.execute("SELECT url, count(*) FROM capture GROUP BY url").fetchall()
        assert per_url and all(count == 1 for _, count in per_url), per_url
        found = db.execute(
            "SELECT d.url, w.title, count(*) FROM detection d JOIN work w ON w.id = d.work_id "
            "GROUP BY d.url, w.title"
        ).fetchall()
    expected = {
        (base + e.path, world.entry(e.work).title) for e in world.expected if e.site == "novels"
    }
    assert {(url, title) for url, title, _ in found} == expected
    assert all(count == 1 for _, _, count in found)
    pages = [path for path in hits if path != "/robots.txt"]
    refetched = [path for path in pages if hits[path] > 1]
    # only what was in flight at the kill (one request per host at a time) is fetched again
    assert len(refetched) <= 1 and all(hits[path] <= 2 for path in pages), hits
