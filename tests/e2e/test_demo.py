"""``swordnet demo`` is the first thing a newcomer runs: it must find every planted copy."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_demo_finds_every_planted_copy_and_nothing_else(run_cli: Run) -> None:
    result = run_cli("demo", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["missed"] == [] and report["unexpected"] == []
    briefing = report["briefing"]
    assert len(report["found"]) == briefing["detections"] >= 30
    assert briefing["sites_checked"] >= 7 and briefing["fetch_failures"] == 0
    assert {row["name"] for row in briefing["per_site"]} >= {
        "Free Novel Pavilion",
        "Daily Reprint Net",
    }


def test_demo_prints_a_briefing(run_cli: Run) -> None:
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    assert "Briefing" in result.stdout and "Infringing items per work" in result.stdout
    assert "unexpected detections: 0" in result.stdout
