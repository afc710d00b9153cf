"""A detection's proof: the replayed page (only to who may see it), the screenshot, the
text side by side with the matched spans, the history; and the detections API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from tests.web.conftest import Campaign, WebClient
from tests.web.evidence_seed import COPY_TEXT, GD_URL, REFERENCE_TEXT, ZJ_URL, seed

from swordnet.bootstrap import Container


def _replay_url(page: str) -> str:
    found = re.search(r'<iframe sandbox="allow-same-origin" class="replay" src="([^"]+)"', page)
    assert found, "no sandboxed replay frame"
    return found.group(1)


def test_the_detection_page_shows_the_proof(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    page = gd.get(f"/detections/{s.gd}")
    assert page.status_code == 200
    assert GD_URL in page.text
    assert f"<mark>{REFERENCE_TEXT}</mark>" in page.text  # the copied span
    assert f'<mark class="ref">{REFERENCE_TEXT}</mark>' in page.text  # the reference's
    assert "run-000001-test.warc.gz" in page.text  # where the evidence is
    shot = gd.get(f"/detections/{s.gd}/screenshot")
    assert shot.status_code == 200 and shot.content.startswith(b"\x89PNG")
    gd.form(f"/detections/{s.gd}/decision", {"decision": "confirm", "reason": "clear copy"})
    history = gd.get(f"/detections/{s.gd}").text
    assert "detection.confirmed" in history and "guangdong" in history


def test_replay_serves_the_captured_page_only_to_who_may_see_it(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    url = _replay_url(gd.get(f"/detections/{s.gd}").text)
    replayed = gd.get(url)
    assert replayed.status_code == 200
    assert "盗版小说网" in replayed.text
    assert "sandbox" in replayed.headers["content-security-policy"]
    zj = client_for("zhejiang")
    assert zj.get(url).status_code == 404  # Guangdong's capture
    zj_url = _replay_url(zj.get(f"/detections/{s.zj}").text)
    assert zj.get(zj_url).status_code == 200
    assert gd.get(zj_url).status_code == 404
    assert client_for("holder").get(url).status_code == 200  # a copy of its work
    assert client_for("platform").get(url).status_code == 404  # no notice sent to it yet
    stranger = WebClient(gd.app, base_url="http://127.0.0.1")
    assert stranger.get(url).status_code == 404


def test_captured_bodies_are_served_with_ranges(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    whole = gd.get(f"/detections/{s.gd}/copy")
    assert whole.status_code == 200 and COPY_TEXT in whole.content.decode()
    part = gd.get(f"/detections/{s.gd}/copy", headers={"Range": "bytes=0-5"})
    assert part.status_code == 206 and part.content == whole.content[:6]
    assert gd.get(f"/detections/{s.zj}/copy").status_code == 404
    reference = gd.get(f"/references/{s.reference_id}/file", headers={"Range": "bytes=0-2"})
    assert reference.status_code == 206


def test_the_api_lists_exports_and_decides_within_the_region(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    listed = gd.get("/api/v1/detections", params={"limit": 1})
    assert listed.status_code == 200
    first = listed.json()
    assert len(first["items"]) == 1 and first["next"]
    second = gd.get(first["next"]).json()
    ids = {first["items"][0]["id"], *(d["id"] for d in second["items"])}
    assert ids == {s.gd, s.gd_other}
    exported = gd.get("/api/v1/detections/export")
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert {d["id"] for d in lines} == {s.gd, s.gd_other}
    assert ZJ_URL not in exported.text
    evidence = gd.get(f"/api/v1/detections/{s.gd}").json()
    assert evidence["capture"]["warc_file"] == "run-000001-test.warc.gz"
    assert evidence["segments"][0]["unit"] == "char"
    headers = {"X-CSRF-Token": gd.csrf}
    assert gd.get(f"/api/v1/detections/{s.zj}").status_code == 404
    refused = gd.post(
        "/api/v1/detections/decisions",
        json={"detection_ids": [s.gd, s.zj], "decision": "confirm"},
        headers=headers,
    )
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    done = gd.post(
        "/api/v1/detections/decisions",
        json={"detection_ids": [s.gd, s.gd_other], "decision": "confirm"},
        headers=headers,
    )
    assert done.status_code == 200 and sorted(done.json()["changed"]) == sorted([s.gd, s.gd_other])
    one = gd.post(
        f"/api/v1/detections/{s.gd}/decision",
        json={"decision": "dismiss", "reason": "licensed after all"},
        headers=headers,
    )
    assert one.json()["detections"][0]["status"] == "dismissed"
    holder = client_for("holder")
    assert {d["id"] for d in holder.get("/api/v1/detections").json()["items"]} == {s.gd, s.zj}
    assert (
        holder.post(
            f"/api/v1/detections/{s.gd}/decision",
            json={"decision": "confirm"},
            headers={"X-CSRF-Token": holder.csrf},
        ).status_code
        == 403
    )
