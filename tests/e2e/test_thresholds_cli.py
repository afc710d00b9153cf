"""``swordnet thresholds`` through the real command line: add, list, show, evaluate."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]
SHIPPED = Path(__file__).parents[2] / "src" / "swordnet" / "thresholds"


def test_evaluate_list_show_add(run_cli: Run, tmp_path: Path) -> None:
    assert run_cli("db", "upgrade").returncode == 0

    met = run_cli(
        "thresholds",
        "evaluate",
        "--rules",
        "cn-2011-opinions-art13",
        "--figure",
        "illegal_business_volume=62,000:CNY",
        "--source",
        "illegal_business_volume=platform's payment records",
        "--date",
        "2020-03-01",
    )
    assert met.returncode == 0, met.stderr
    assert "非法经营数额 ¥62,000 ≥ ¥50,000（第十三条第（一）项）：达到" in met.stdout
    assert "illegal business volume ¥62,000 ≥ ¥50,000 (art. 13(1)): met" in met.stdout
    assert "source: platform's payment records" in met.stdout

    not_met = run_cli(
        "thresholds",
        "evaluate",
        "--date",
        "2025-06-01",
        "--json",
        "-f",
        "actual_clicks=60000",
        "-f",
        "works_disseminated=100",
        "-f",
        "illegal_gains=0",
        "-f",
        "illegal_business_volume=0",
        "-f",
        "copies=0",
        "-f",
        "downloads=0",
        "-f",
        "registered_members=0",
        "-f",
        "prior_penalty_within_two_years=no",
    )
    assert not_met.returncode == 1, not_met.stderr
    report = json.loads(not_met.stdout)
    assert report["rule_set"] == "cn-2025-interpretation-art13" and report["reached"] is None
    assert report["levels"][0]["items_at_fraction"] == ["(4)"]

    bad = run_cli(
        "thresholds",
        "evaluate",
        "--rules",
        "cn-2011-opinions-art13",
        "-f",
        "illegal_business_volume=1000:USD",
    )
    assert bad.returncode == 2
    assert "given in USD" in bad.stderr and "convert it first" in bad.stderr
    assert run_cli("thresholds", "evaluate", "-f", "copies=1").returncode == 2

    shown = run_cli("thresholds", "show", "cn-2025-interpretation-art13")
    assert shown.returncode == 0, shown.stderr
    assert "法释〔2025〕5号" in shown.stdout and "[UNVERIFIED]" in shown.stdout

    rules = tmp_path / "regional.toml"
    text = (SHIPPED / "cn-2011-opinions-art13.toml").read_text("utf-8")
    rules.write_text(text.replace('id = "cn-2011-opinions-art13"', 'id = "xx-regional"'), "utf-8")
    added = run_cli("thresholds", "add", str(rules), "--as", "wang")
    assert added.returncode == 0, added.stderr
    assert "stored rule set xx-regional@1" in added.stderr
    listed = run_cli("thresholds", "list")
    assert "xx-regional" in listed.stdout and "stored" in listed.stdout

    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("threshold = 50000", 'threshold = "fifty"'), "utf-8")
    refused = run_cli("thresholds", "add", str(broken))
    assert refused.returncode == 2
    assert "levels[0].limbs[0].threshold: must be a number, got 'fifty'" in refused.stderr
    assert "nothing stored" in refused.stderr
