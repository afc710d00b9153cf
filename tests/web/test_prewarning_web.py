"""Pre-warning lists in the browser and the API: an officer publishes a list to two
platforms (sent to the loopback SMTP server), each platform sees only its own part and
acknowledges it, through its portal or its system's token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import Campaign, WebClient
from tests.web.enforcement_world import (
    World,
    enforcement_settings,
    platform_token,
    register_work,
)

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.bootstrap import Container
from swordnet.settings import Settings


@pytest.fixture
def sink() -> Iterator[LoopbackSmtpSink]:
    with LoopbackSmtpSink() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, sink: LoopbackSmtpSink) -> Settings:
    return enforcement_settings(tmp_path, sink.port)


@pytest.fixture
def world(container: Container, campaign: Campaign, tmp_path: Path) -> World:
    return register_work(container, campaign, tmp_path)


def test_a_list_is_published_sent_and_acknowledged_by_each_platform(
    web_app: FastAPI,
    container: Container,
    campaign: Campaign,
    client_for: Callable[[str], WebClient],
    world: World,
    sink: LoopbackSmtpSink,
) -> None:
    officer = client_for("national")
    page = officer.get("/prewarning")
    assert page.status_code == 200 and "剑影江湖" in page.text  # offered in the form
    published = officer.form(
        "/prewarning",
        {
            "title": "Summer films",
            "work_id": str(world.work_id),
            "platform_id": [
                str(campaign.platforms["videosite"]),
                str(campaign.platforms["booksite"]),
            ],
            "starts_at": "2030-07-01T00:00",
            "ends_at": "2030-08-31T00:00",
            "send": "true",
        },
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text
    assert sorted(rcpt for _sender, (rcpt,) in sink.envelopes) == [
        "copyright@booksite.example",
        "copyright@videosite.example",
    ]

    # the videosite user in its portal sees the list and only its own acknowledgement row
    platform = client_for("platform")
    portal = platform.get("/portal/platform")
    assert "Summer films" in portal.text and "booksite" not in portal.text
    list_id = int(portal.text.split('data-list="')[1].split('"')[0])
    acked = platform.form(
        f"/prewarning/{list_id}/acknowledge",
        {"note": "loaded into our filter", "next": "/portal/platform"},
        follow_redirects=False,
    )
    assert acked.status_code == 303 and acked.headers["location"] == "/portal/platform"

    # the officer sees who acknowledged, and who not yet
    lists = officer.get(f"/api/v1/prewarning/{list_id}")
    assert lists.status_code == 200, lists.text
    states = {r["platform_name"]: r for r in lists.json()["recipients"]}
    assert states["videosite"]["acknowledged_by"] == "platform"
    assert states["videosite"]["note"] == "loaded into our filter"
    assert states["booksite"]["acknowledged_at"] is None

    # the platform's system: reads lists with a token; acknowledging needs the scope
    reader = TestClient(
        web_app,
        headers={
            "Authorization": f"Bearer {platform_token(container, campaign, ['prewarning.read'])}"
        },
    )
    mine = reader.get("/api/v1/prewarning").json()["items"]
    assert [r["platform_name"] for r in mine[0]["recipients"]] == ["videosite"]
    assert reader.post(f"/api/v1/prewarning/{list_id}/acknowledge", json={}).status_code == 403
    # a platform cannot publish, a reviewer neither
    assert platform.form("/prewarning", {"title": "x"}).status_code in (403, 422)
    assert (
        client_for("reviewer_gd")
        .post("/api/v1/prewarning", json={"title": "x"}, headers={"X-CSRF-Token": "x"})
        .status_code
        == 403
    )


def test_publishing_through_the_api_is_idempotent(
    client_for: Callable[[str], WebClient],
    campaign: Campaign,
    world: World,
    sink: LoopbackSmtpSink,
) -> None:
    officer = client_for("national")
    body = {
        "title": "Spring books",
        "work_ids": [world.work_id],
        "platform_ids": [campaign.platforms["booksite"]],
        "starts_at": "2030-03-01T00:00:00+00:00",
        "ends_at": "2030-04-01T00:00:00+00:00",
    }
    headers = {"X-CSRF-Token": officer.csrf, "Idempotency-Key": "spring-2030"}
    first = officer.post("/api/v1/prewarning", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = officer.post("/api/v1/prewarning", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(sink.messages) == 1  # sent once
    backwards = {**body, "ends_at": "2030-02-01T00:00:00+00:00"}
    refused = officer.post(
        "/api/v1/prewarning", json=backwards, headers={"X-CSRF-Token": officer.csrf}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
