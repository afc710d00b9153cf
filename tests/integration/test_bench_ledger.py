"""``bench/ledger.py`` runs end to end on a small log and prints its figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_ledger_bench_runs_small(postgres_url: str) -> None:
    base = postgres_url.split("?", 1)[0]
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "ledger.py"),
            "--leaves",
            "300",
            "--batch",
            "100",
            "--proofs",
            "5",
            "--baseline-runs",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "SWORDNET_BENCH_PG_URL": base},
    )
    assert result.returncode == 0, result.stderr
    for kind in ("sqlite", "postgresql"):
        for figure in ("append 300 leaves", "inclusion proof", "consistency proof", "baseline"):
            assert any(
                line.startswith(kind) and figure in line for line in result.stdout.splitlines()
            ), (kind, figure, result.stdout)
