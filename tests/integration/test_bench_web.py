"""bench/web.py at a tiny scale: the generator fills a migrated schema by COPY, and the
harness runs every phase (queries against the baseline, load on the services and over
HTTP with signed-in users, query counts, the NDJSON export). Figures are not checked:
benchmarks are never assertions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "web.py"


@pytest.mark.postgres
def test_web_bench_runs_at_a_small_scale(postgres_url: str, tmp_path: Path) -> None:
    command = [
        sys.executable,
        str(BENCH),
        "--database-url",
        postgres_url,
        "--detections",
        "2000",
        "--users",
        "2",
        "--seconds",
        "2",
        "--repeat",
        "1",
        "--workers",
        "1",
        "--export-rows",
        "300",
        "--baseline-repeat",
        "1",
        "--home",
        str(tmp_path / "home"),
    ]
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "2,000 detections" in out
    assert "naive/ours" in out
    assert "review queue" in out
    assert "Database queries per page" in out
    assert "users signed in over HTTP" in out
    assert "rows/s" in out and "HTTP 200" in out
