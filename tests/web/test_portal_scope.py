"""Who sees what of enforcement: cases and notices by region, the platform and the
holder by party; the notices list costs the same few queries however long it is;
counter-notices and complaints through the API."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event, select
from tests.web.conftest import SHENZHEN, ZHEJIANG, Campaign, WebClient
from tests.web.enforcement_world import World, confirm_detection, register_work

from swordnet.bootstrap import Container
from swordnet.domain.kinds import CaseStatus, NoticeStatus, WorkKind
from swordnet.storage import models


@pytest.fixture
def world(container: Container, campaign: Campaign, tmp_path: Path) -> World:
    return register_work(container, campaign, tmp_path)


def sent_notices(
    container: Container, world: World, campaign: Campaign, platform: str, count: int
) -> list[int]:
    """``count`` sent notices of one item each to ``platform``, overdue."""
    region = {"videosite": SHENZHEN, "booksite": ZHEJIANG}[platform]
    ids = []
    for _ in range(count):
        n = len(world.detections)
        url = f"https://{platform}.example/item/{n}"
        detection = confirm_detection(container, world, campaign, platform, url)
        with container.sessions() as session, session.begin():
            at = datetime.now(UTC) - timedelta(days=5)
            notice = models.Notice(
                key=hashlib.sha256(url.encode()).hexdigest(),
                platform_id=campaign.platforms[platform],
                holder_id=campaign.holders["star"],
                region_code=region,
                recipient=f"copyright@{platform}.example",
                channel="smtp",
                jurisdiction="cn-rpnd",
                language="zh",
                status=NoticeStatus.SENT,
                subject=f"notice {n}",
                body_text="...",
                created_at=at,
                sent_at=at,
                deadline_at=at + timedelta(days=3),
            )
            notice.items = [models.NoticeItem(detection_id=detection, url=url)]
            session.add(notice)
            session.flush()
            ids.append(notice.id)
    return ids


@pytest.fixture
def queries(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(container.engine, "before_cursor_execute", count)
    yield seen
    event.remove(container.engine, "before_cursor_execute", count)


def test_the_notices_list_costs_a_constant_number_of_queries(
    container: Container,
    campaign: Campaign,
    world: World,
    client_for: Callable[[str], WebClient],
    queries: list[str],
) -> None:
    officer = client_for("guangdong")
    sent_notices(container, world, campaign, "videosite", 2)
    queries.clear()
    few = officer.get("/notices")
    small = len(queries)
    sent_notices(container, world, campaign, "videosite", 12)
    queries.clear()
    many = officer.get("/notices?overdue=1")
    assert few.status_code == many.status_code == 200
    assert many.text.count("data-notice=") == 14
    # no query per row; the figures of the draft section, kept a minute per scope, may be
    # reused by the second request
    assert len(queries) <= small, queries
    assert small <= 12, queries
    page = officer.get(f"/notices?platform={campaign.platforms['videosite']}&status=sent")
    assert page.text.count("data-notice=") == 14
    assert officer.get("/notices?status=nonsense").status_code == 400


def test_cases_are_read_in_the_region_or_as_referred(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    with container.sessions() as session, session.begin():
        gd = models.Case(title="videosite repeat", region_code=SHENZHEN, status=CaseStatus.OPEN)
        zj = models.Case(
            title="booksite repeat",
            region_code=ZHEJIANG,
            status=CaseStatus.REFERRED,
            referred_agency_id=campaign.agencies["police"],
        )
        session.add_all([gd, zj])
        session.flush()
        gd_id, zj_id = gd.id, zj.id
    officer = client_for("guangdong")
    listing = officer.get("/cases")
    assert "videosite repeat" in listing.text and "booksite repeat" not in listing.text
    assert officer.get(f"/cases/{gd_id}").status_code == 200
    assert officer.get(f"/cases/{zj_id}").status_code == 404
    assert [c["id"] for c in officer.get("/api/v1/cases").json()["items"]] == [gd_id]
    police = client_for("police")
    assert [c["id"] for c in police.get("/api/v1/cases").json()["items"]] == [zj_id]
    assert police.get(f"/api/v1/cases/{gd_id}").status_code == 404
    assert client_for("platform").get("/cases").status_code == 403


def test_counter_notices_and_complaints_through_the_api(
    web_app: FastAPI,
    container: Container,
    campaign: Campaign,
    world: World,
    client_for: Callable[[str], WebClient],
) -> None:
    (gd_notice,) = sent_notices(container, world, campaign, "videosite", 1)
    (zj_notice,) = sent_notices(container, world, campaign, "booksite", 1)
    with container.sessions() as session:
        item = {
            n: session.scalars(
                select(models.NoticeItem.id).where(models.NoticeItem.notice_id == n)
            ).one()
            for n in (gd_notice, zj_notice)
        }
        other = models.RightsHolder(name="Other Studio")
    officer = client_for("guangdong")
    grounds = {"claimant": "Li", "statement": "fair use", "contact": "li@example.org"}
    csrf = {"X-CSRF-Token": officer.csrf}
    refused = officer.post(
        "/api/v1/counter-notices", json={"notice_item_id": item[zj_notice], **grounds}, headers=csrf
    )
    assert refused.status_code == 404  # another province's item
    made = officer.post(
        "/api/v1/counter-notices", json={"notice_item_id": item[gd_notice], **grounds}, headers=csrf
    )
    assert made.status_code == 201, made.text
    counter = made.json()
    assert counter["recorded_by"] == "guangdong" and counter["notice_id"] == gd_notice
    holder = client_for("holder")
    hcsrf = {"X-CSRF-Token": holder.csrf}
    assert [c["id"] for c in holder.get("/api/v1/counter-notices").json()["items"]] == [
        counter["id"]
    ]
    contested = holder.post(
        f"/api/v1/counter-notices/{counter['id']}/contest",
        json={"reason": "in court"},
        headers=hcsrf,
    )
    assert contested.status_code == 200 and contested.json()["contested"] is True
    twice = holder.post(
        f"/api/v1/counter-notices/{counter['id']}/contest", json={"reason": "again"}, headers=hcsrf
    )
    assert twice.status_code == 400

    # complaints: the holder's own work only, an http(s) address only
    with container.sessions() as session, session.begin():
        session.add(other)
        session.flush()
        foreign = models.Work(title="Not theirs", kind=WorkKind.FILM, holder_id=other.id)
        session.add(foreign)
        session.flush()
        foreign_id = foreign.id
    filed = holder.post(
        "/api/v1/complaints",
        json={"url": "https://copies.example/1", "work_id": world.work_id},
        headers={**hcsrf, "Idempotency-Key": "c-1"},
    )
    assert filed.status_code == 201, filed.text
    replay = holder.post(
        "/api/v1/complaints",
        json={"url": "https://copies.example/1", "work_id": world.work_id},
        headers={**hcsrf, "Idempotency-Key": "c-1"},
    )
    assert replay.json()["id"] == filed.json()["id"]
    assert (
        holder.post(
            "/api/v1/complaints",
            json={"url": "https://copies.example/2", "work_id": foreign_id},
            headers=hcsrf,
        ).status_code
        == 404
    )
    assert (
        holder.post(
            "/api/v1/complaints",
            json={"url": "javascript:alert(1)", "work_id": world.work_id},
            headers=hcsrf,
        ).status_code
        == 400
    )
    with container.sessions() as session:
        assert len(session.scalars(select(models.Tip)).all()) == 1
    assert (
        officer.post(
            "/api/v1/complaints",
            json={"url": "https://copies.example/3", "work_id": world.work_id},
            headers=csrf,
        ).status_code
        == 403
    )


def test_a_platform_sees_no_draft_and_no_other_platform(
    container: Container,
    campaign: Campaign,
    world: World,
    client_for: Callable[[str], WebClient],
) -> None:
    (sent,) = sent_notices(container, world, campaign, "videosite", 1)
    (other,) = sent_notices(container, world, campaign, "booksite", 1)
    with container.sessions() as session, session.begin():
        draft = session.get_one(models.Notice, sent)
        draft.status, draft.sent_at = NoticeStatus.RENDERED, None
    platform = client_for("platform")
    assert platform.get("/api/v1/notices").json()["items"] == []
    assert platform.get(f"/api/v1/notices/{sent}").status_code == 404
    assert platform.get(f"/api/v1/notices/{other}").status_code == 404
    assert platform.get("/portal/holder").status_code == 403
    assert client_for("holder").get("/portal/platform").status_code == 403
    reviewer = client_for("reviewer_gd")
    assert reviewer.get(f"/notices/{sent}").status_code == 200
    assert reviewer.form(f"/notices/{sent}/send").status_code == 403
