"""``bench/bundles.py`` runs end to end on a small case and prints its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundle_bench_runs_small() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bundles.py"), "--captures", "20"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for figure in ("export", "verify (standalone verifier)", "baseline", "all checks passed"):
        assert figure in result.stdout, (figure, result.stdout)
