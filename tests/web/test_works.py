"""Works: registered by officers and rights holders (their own), reference files uploaded
and fingerprinted in the background, a bad file refused with a clear error, licences."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select
from tests.web.conftest import Campaign, WebClient
from tests.web.evidence_seed import seed

from swordnet.bootstrap import Container
from swordnet.storage import models

CHAPTER = ("The swordsman crossed the frozen river at dawn, counting the lanterns. " * 40).encode()
GARBAGE = b"\x00\x01\x02" * 500


def _register(client: WebClient, title: str, **extra: str) -> int:
    answer = client.form(
        "/works", {"title": title, "kind": "book", **extra}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def _wait_for_uploads(client: WebClient, work_id: int) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fragment = client.get(f"/works/{work_id}/uploads").text
        if "hx-trigger" not in fragment:  # nothing running: the polling stops
            return fragment
        time.sleep(0.2)
    raise AssertionError("fingerprinting did not finish")


def _references(container: Container, work_id: int) -> int:
    with container.sessions() as session:
        return (
            session.scalar(select(func.count()).where(models.ReferenceFile.work_id == work_id)) or 0
        )


def test_an_officer_registers_a_work_and_uploads_its_reference(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    officer = client_for("guangdong")
    work_id = _register(
        officer, "寒江孤影", aliases="Lone Shadow, 孤影", holder_id=str(campaign.holders["star"])
    )
    uploaded = officer.post(
        f"/works/{work_id}/references",
        data={"csrf_token": officer.csrf},
        files={"file": ("chapter1.txt", CHAPTER, "text/plain")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    fragment = _wait_for_uploads(officer, work_id)
    assert "chapter1.txt" in fragment and "text" in fragment
    assert _references(container, work_id) == 1
    page = officer.get(f"/works/{work_id}").text
    assert "寒江孤影" in page and "Lone Shadow" in page and "Star Pictures" in page
    with container.sessions() as session:
        events = session.scalars(
            select(models.AuditEvent.actor).where(
                models.AuditEvent.action.in_(["work.added", "work.reference_added"])
            )
        ).all()
    assert list(events) == ["guangdong", "guangdong"]


def test_a_corrupt_upload_gives_a_clear_error_and_stores_nothing(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    officer = client_for("guangdong")
    work_id = _register(officer, "Broken Upload")
    officer.post(
        f"/works/{work_id}/references",
        data={"csrf_token": officer.csrf},
        files={"file": ("garbage.txt", GARBAGE, "text/plain")},
    )
    fragment = _wait_for_uploads(officer, work_id)
    assert "Could not be fingerprinted" in fragment or "无法提取指纹" in fragment
    assert "garbage.txt" in fragment
    assert _references(container, work_id) == 0
    # the API refuses it at once, as a problem document naming the reason
    answer = officer.post(
        f"/api/v1/works/{work_id}/references",
        files={"file": ("garbage.txt", GARBAGE, "text/plain")},
        headers={"X-CSRF-Token": officer.csrf},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert "garbage.txt" in answer.json()["detail"]
    assert _references(container, work_id) == 0
    good = officer.post(
        f"/api/v1/works/{work_id}/references",
        files={"file": ("chapter2.txt", CHAPTER + b" more", "text/plain")},
        headers={"X-CSRF-Token": officer.csrf},
    )
    assert good.status_code == 201, good.text
    assert good.json()["reference"]["signals"]


def test_a_rights_holder_keeps_its_own_works_only(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    holder = client_for("holder")
    work_id = _register(holder, "Our New Film", holder_id="999")
    with container.sessions() as session:
        assert session.get_one(models.Work, work_id).holder_id == campaign.holders["star"]
    listing = holder.get("/works").text
    assert "Our New Film" in listing and "剑影江湖" in listing and "Other Book" not in listing
    assert holder.get(f"/works/{s.other_work_id}").status_code == 404
    refused = holder.post(
        f"/works/{s.other_work_id}/references",
        data={"csrf_token": holder.csrf},
        files={"file": ("x.txt", CHAPTER, "text/plain")},
    )
    assert refused.status_code == 404
    api = holder.get("/api/v1/works").json()
    assert {w["id"] for w in api["items"]} == {s.work_id, work_id}


def test_licences_are_declared_on_the_work(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    holder = client_for("holder")
    answer = holder.form(
        f"/works/{s.work_id}/licenses",
        {"licensee": "Licensed Reader Co", "domains": "booksite.example", "territory": "cn"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "Licensed Reader Co" in holder.get(f"/works/{s.work_id}").text
    listed = holder.get("/api/v1/licenses", params={"work_id": s.work_id}).json()["items"]
    assert listed[0]["territory"] == ["CN"] and listed[0]["domains"] == ["booksite.example"]
    refused = holder.form(f"/works/{s.other_work_id}/licenses", {"licensee": "X"})
    assert refused.status_code == 404
    made = holder.post(
        "/api/v1/licenses",
        json={"work_id": s.work_id, "licensee": "API Licensee", "domains": ["a.example"]},
        headers={"X-CSRF-Token": holder.csrf, "Idempotency-Key": "lic-1"},
    )
    again = holder.post(
        "/api/v1/licenses",
        json={"work_id": s.work_id, "licensee": "API Licensee", "domains": ["a.example"]},
        headers={"X-CSRF-Token": holder.csrf, "Idempotency-Key": "lic-1"},
    )
    assert made.status_code == 201 and again.json() == made.json()
