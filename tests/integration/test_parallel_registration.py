"""Eight ``works add`` at once, one rights holder: every work registered, one holder row."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from swordnet.simweb.content import english_article
from swordnet.storage import models

PROCESSES = 8


def _add_in_parallel(
    tmp_path: Path, database_url: str | None
) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "SWORDNET_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    env.pop("SWORDNET_DATABASE_URL", None)
    if database_url is not None:
        env["SWORDNET_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "swordnet"]
    # The schema is created once beforehand: the race under test is the holder's row.
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    files = []
    for number in range(PROCESSES):
        path = tmp_path / f"work-{number}.txt"
        path.write_text(english_article(random.Random(number), 300), encoding="utf-8")
        files.append(path)
    running = [
        subprocess.Popen(
            [*command, "works", "add", str(path), "--holder", "One Holder Ltd"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for path in files
    ]
    finished = []
    for process in running:
        stdout, stderr = process.communicate(timeout=300)
        finished.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    return finished


def _check(results: list[subprocess.CompletedProcess[str]], database_url: str) -> None:
    for result in results:
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 0, result.stderr
        assert "registered 1 file(s)" in result.stderr
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            holders = connection.scalar(select(func.count()).select_from(models.RightsHolder))
            works = connection.scalars(select(models.Work.holder_id)).all()
    finally:
        engine.dispose()
    assert holders == 1
    assert len(works) == PROCESSES and len(set(works)) == 1


def test_parallel_adds_share_one_holder_on_sqlite(tmp_path: Path) -> None:
    results = _add_in_parallel(tmp_path, None)
    _check(results, f"sqlite:///{tmp_path / 'home' / 'swordnet.db'}")


@pytest.mark.postgres
def test_parallel_adds_share_one_holder_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    results = _add_in_parallel(tmp_path, postgres_url)
    _check(results, postgres_url)
