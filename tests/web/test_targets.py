"""Monitoring targets in the region: added, changed, paused, removed, run now in the
background, and the last run's failures shown with their reasons."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select
from tests.web.conftest import GUANGDONG, Campaign, WebClient, free_port

from swordnet.bootstrap import Container
from swordnet.storage import models


def _add(client: WebClient, name: str, seeds: str) -> int:
    answer = client.form(
        "/targets",
        {"name": name, "seeds": seeds, "interval_s": "3600", "max_pages": "5", "max_depth": "1"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_targets_belong_to_the_officers_region(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    gd = client_for("guangdong")
    target_id = _add(gd, "gd-novels", "https://novels.example/")
    with container.sessions() as session:
        assert session.get_one(models.MonitoringTarget, target_id).region_code == GUANGDONG
    assert "gd-novels" in gd.get("/targets").text
    zj = client_for("zhejiang")
    assert "gd-novels" not in zj.get("/targets").text
    assert zj.get(f"/targets/{target_id}").status_code == 404
    assert zj.form(f"/targets/{target_id}/pause").status_code == 404
    assert zj.get(f"/api/v1/targets/{target_id}").status_code == 404
    assert client_for("national").get(f"/targets/{target_id}").status_code == 200
    assert gd.form("/targets", {"name": "bad", "seeds": "ftp://x.example/"}).status_code == 400


def test_edit_pause_resume_and_remove_are_audited(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    gd = client_for("guangdong")
    target_id = _add(gd, "gd-shop", "https://shop.example/")
    edited = gd.form(
        f"/targets/{target_id}",
        {
            "name": "gd-shop-2",
            "seeds": "https://shop.example/\nhttps://shop.example/new",
            "interval_s": "7200",
            "max_pages": "9",
            "max_depth": "2",
        },
        follow_redirects=False,
    )
    assert edited.status_code == 303
    gd.form(f"/targets/{target_id}/pause")
    with container.sessions() as session:
        target = session.get_one(models.MonitoringTarget, target_id)
        assert (target.name, target.max_pages, target.enabled) == ("gd-shop-2", 9, False)
        assert len(target.seeds) == 2
    gd.form(f"/targets/{target_id}/resume")
    assert gd.form(f"/targets/{target_id}/remove", follow_redirects=False).status_code == 303
    with container.sessions() as session:
        assert session.get(models.MonitoringTarget, target_id) is None
        actions = list(
            session.scalars(
                select(models.AuditEvent.action).where(
                    models.AuditEvent.actor == "guangdong",
                    models.AuditEvent.entity == "monitoring_target",
                )
            )
        )
    assert actions == [
        "target.added",
        "target.changed",
        "target.paused",
        "target.resumed",
        "target.removed",
    ]


def test_run_now_crawls_in_the_background_and_shows_the_failures(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    gd = client_for("guangdong")
    closed = free_port()  # nothing listens: the fetch fails, with its reason
    target_id = _add(gd, "gd-down", f"http://127.0.0.1:{closed}/")
    started = gd.post(f"/api/v1/targets/{target_id}/runs", headers={"X-CSRF-Token": gd.csrf})
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 90
    runs: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        runs = gd.get("/api/v1/runs", params={"target_id": target_id}).json()["items"]
        if runs and runs[0]["status"] != "running":
            break
        time.sleep(0.3)
    assert runs and runs[0]["status"] != "running", runs
    run = gd.get(f"/api/v1/runs/{runs[0]['id']}").json()
    assert run["failure_list"] and run["failure_list"][0]["reason"]
    page = gd.get(f"/targets/{target_id}").text
    assert f"127.0.0.1:{closed}" in page
    assert run["failure_list"][0]["reason"][:20] in page
    assert client_for("zhejiang").get(f"/api/v1/runs/{runs[0]['id']}").status_code == 404
