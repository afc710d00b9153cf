"""Many commands at once on one database, as a campaign's people and schedulers run them.

Two crawls of one target, a crawl of another, an import, reviews and notices run in
parallel as real processes, on SQLite and on PostgreSQL; afterwards no capture or
detection is stored twice, every WARC offset reads back the record whose SHA-256 the
database holds, the audit trail is intact and every command ended sensibly.
``SWORDNET_STRESS_ROUNDS=5`` repeats the whole workload (the acceptance runs five).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from swordnet.bootstrap import bootstrap
from swordnet.demo.campaign import write_catalogue
from swordnet.services.catalogue import register_files
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world
from swordnet.storage import models
from swordnet.storage.db import make_engine, make_session_factory

ROUNDS = int(os.environ.get("SWORDNET_STRESS_ROUNDS", "1"))
pytestmark = pytest.mark.slow


def _environment(home: Path, url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SWORDNET_HOME": str(home),
        "SWORDNET_DATABASE_URL": url,
        "SWORDNET_WORKERS": "1",
        "SWORDNET_CRAWLER__ALLOW_NETWORKS": '["127.0.0.1/32"]',
        "SWORDNET_CRAWLER__PER_HOST_DELAY_S": "0.02",
        "COLUMNS": "200",
    }
    return env


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "swordnet", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=240)
    return process.returncode, out + err


def _warc_sha256(path: str, offset: int) -> str:
    with open(path, "rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        return hashlib.sha256(record.content_stream().read()).hexdigest()


def _prepare(tmp_path: Path, database_url: str) -> tuple[Path, Path]:
    """Half the catalogue registered; the other half waits in a folder to be imported."""
    home = tmp_path / "home"
    settings = Settings(
        home=home,
        database_url=database_url,
        workers=1,
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"]),
    )
    container = bootstrap(settings)
    paths = write_catalogue(build_world(with_media=False), tmp_path / "catalogue")
    register_files(container, paths[: len(paths) // 2])
    container.close()
    later = tmp_path / "later"
    later.mkdir()
    for path in paths[len(paths) // 2 :]:
        for file in (path, path.with_name(path.name + ".json")):
            if file.exists():
                (later / file.name).write_bytes(file.read_bytes())
    return home, later


def _run_workload(env: dict[str, str], later: Path) -> dict[str, tuple[int, str]]:
    with SimWeb(build_world(with_media=False).sites) as web:
        for name in ("novels", "reprints"):
            added = _finish(_start(env, "monitor", "add", name, web.base_urls[name] + "/"))
            assert added[0] == 0, added[1]
        first = _start(env, "monitor", "run", "novels")
        time.sleep(0.3)
        jobs = {
            "crawl novels again": _start(env, "monitor", "run", "novels"),
            "crawl reprints": _start(env, "monitor", "run", "reprints"),
            "import": _start(env, "works", "import", str(later)),
            "review": _start(env, "review", "confirm", "--auto", "--as", "officer-a"),
        }
        results = {"crawl novels": _finish(first)}
        results.update({name: _finish(process) for name, process in jobs.items()})
        # reviews and notices once the detections are in, while a due-target sweep runs
        sweep = _start(env, "monitor", "run")
        review = _start(env, "review", "confirm", "--auto", "--as", "officer-b")
        results["review after"] = _finish(review)
        notices = _start(env, "notices", "draft", "--channel", "export", "--as", "officer-b")
        results["draft notices"] = _finish(notices)
        results["sweep"] = _finish(sweep)
    return results


def _check_statuses(results: dict[str, tuple[int, str]]) -> None:
    both = ("crawl novels", "crawl novels again")
    for name, (code, output) in results.items():
        assert "Traceback" not in output, f"{name}: {output}"
        if name in both:
            # whichever process took the lease crawled; the other was told who holds it
            # (75) or ran after the first had ended (0)
            assert code in (0, 75), f"{name}: {code}: {output}"
            if code == 75:
                assert "is being crawled by" in output
        else:
            assert code == 0, f"{name}: {code}: {output}"
    assert 0 in {results[name][0] for name in both}, "neither crawl of one target ran"


def _check_records(database_url: str) -> None:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        captures = session.scalars(
            select(models.Capture).where(models.Capture.warc_file.is_not(None))
        ).all()
        assert captures
        for capture in captures:
            assert capture.warc_offset is not None and capture.sha256 is not None
            assert capture.warc_file is not None
            read_back = _warc_sha256(capture.warc_file, capture.warc_offset)
            assert read_back == capture.sha256, capture.url
        twice = session.execute(
            select(models.Capture.run_id, models.Capture.url, func.count())
            .group_by(models.Capture.run_id, models.Capture.url)
            .having(func.count() > 1)
        ).all()
        assert twice == []
        duplicates = session.execute(
            select(models.Detection.url_sha256, models.Detection.reference_id, func.count())
            .group_by(models.Detection.url_sha256, models.Detection.reference_id)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []
        assert session.scalar(select(func.count()).select_from(models.Detection))
        runs = session.scalars(select(models.CrawlRun)).all()
        assert all(run.status == "finished" for run in runs)
    engine.dispose()


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_mixed_workload_in_parallel(database_url: str, tmp_path: Path, round_number: int) -> None:
    home, later = _prepare(tmp_path, database_url)
    env = _environment(home, database_url)
    _check_statuses(_run_workload(env, later))
    _check_records(database_url)
    verified = _finish(_start(env, "db", "verify-audit"))
    assert verified[0] == 0, verified[1]
    assert "audit trail intact" in verified[1]
