"""``swordnet monitor run`` with an IPv6 seed and a broken target among the due ones."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_ipv6_seed_runs_and_a_broken_target_fails_alone_with_a_non_zero_exit(
    run_cli: Run, tmp_path: Path
) -> None:
    added = run_cli("monitor", "add", "v6", "http://[2001:db8::1]/", "--max-seconds", "30")
    assert added.returncode == 0, added.stderr
    assert run_cli("monitor", "add", "broken", "http://broken.example/").returncode == 0
    assert run_cli("monitor", "add", "after", "http://[2001:db8::2]/").returncode == 0
    with closing(sqlite3.connect(tmp_path / "home" / "swordnet.db")) as database, database:
        # a seed stored by a version that did not check seeds
        database.execute(
            "UPDATE monitoring_target SET seeds = ? WHERE name = 'broken'",
            (json.dumps(["http://[::1/"]),),
        )
    result = run_cli("monitor", "run")
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("v6: run") and "1 refused" in line for line in lines), lines
    assert any(line.startswith("after: run") for line in lines), lines
    assert any(
        line.startswith("broken: failed: target 'broken' has a malformed seed") for line in lines
    )
    assert "1 of 3 due targets failed: broken" in result.stderr
