"""``swordnet demo`` is the first thing a newcomer runs: it must find every planted copy."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_demo_finds_every_planted_copy_and_prints_a_briefing(run_cli: Run, tmp_path: Path) -> None:
    report_file = tmp_path / "demo.json"
    result = run_cli("demo", "--report", str(report_file))
    assert result.returncode == 0, result.stderr
    assert "Briefing" in result.stdout and "Infringing items per work" in result.stdout
    assert "unexpected detections: 0" in result.stdout
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["missed"] == [] and report["unexpected"] == []
    briefing = report["briefing"]
    assert len(report["found"]) == briefing["detections"] >= 32
    assert briefing["sites_checked"] >= 8 and briefing["fetch_failures"] == 0
    names = {row["name"] for row in briefing["per_site"]}
    assert {"Free Novel Pavilion", "HD Wallpapers Free", "Free MP3 Download"} <= names
    assert {"Cheap eBook Mall", "Resource Sharing Forum", "Free Movies Online"} <= names
    # enforcement: one notice by e-mail per platform and rights holder (the shop carries a
    # novel publisher's titles and a photo agency's picture: two), the licensed reprint set
    # aside, removals verified, the ignoring site escalated
    enforcement = report["enforcement"]
    assert enforcement["authorised"] == 1
    assert (
        enforcement["notices_sent"]
        == enforcement["emails_received"]
        == briefing["notices_sent"]
        == 8
    )
    # removed by the simulated platforms: 3 chapters, 4 pictures, 1 track, 1 listing, 1 cover,
    # 2 forum threads offering share links; the live HLS restream is judged by its stream,
    # not its playlist: still there
    assert briefing["links_verified_deleted"] == 12
    # the reprint site and the streaming site ignored their notices
    assert briefing["sites_escalated"] == 2 and briefing["cases_opened"] == 2
    assert "Enforcement:" in result.stdout
    # the ending: the worst repeat infringer referred to the police, its figures taken from
    # the site's own VIP page and weighed limb by limb; its shutdown answered by the
    # simulated regulator through the API, and verified by re-checks
    referral = report["referral"]
    assert referral["case_id"] is not None and referral["criminal_referral_id"] is not None
    assert referral["rule_set"] == "cn-2025-interpretation-art13"
    assert referral["reached"] == "serious" and referral["reached_by_partial_rule"]
    assert referral["unverified_caution"]
    assert any("(1), (4); met" in line for line in referral["evaluation_en"])
    assert any(f.startswith("illegal_business_volume CNY 32,000") for f in referral["figures"])
    assert Path(referral["package"]).read_bytes().startswith(b"%PDF")
    # the evidence bundle beside it checks out with the verifier it carries
    checked = run_cli("evidence", "verify", referral["bundle"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "FAIL" not in checked.stdout and "OK" in checked.stdout
    assert referral["regulator_answers"][-1].startswith("outcome recorded: action_taken")
    assert referral["shutdown_verified"] and referral["shutdown_checks"] == 2
    assert "Threshold evaluation" in result.stdout
    assert "site shut down: verified (2 checks)" in result.stdout
