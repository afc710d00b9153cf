"""Notices through the browser and the API, end to end on real servers: the Guangdong
officer drafts and sends a notice to the loopback SMTP server and another to a webhook
receiver; the platform's system answers items through the API with a scoped token and
the platform user through its portal; the re-check fetches the URLs from a loopback site
that serves or 404s them; the holder sees the outcomes, contests, files a complaint."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import Campaign, WebClient
from tests.web.enforcement_world import (
    LoopbackSite,
    World,
    confirm_detection,
    enforcement_settings,
    pirated_text,
    platform_token,
    register_work,
)

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.adapters.notifiers.webhook import SIGNATURE_HEADER, verify
from swordnet.bootstrap import Container
from swordnet.domain.kinds import NoticeItemStatus, NoticeStatus
from swordnet.services import ledger
from swordnet.settings import Settings
from swordnet.storage import models


@pytest.fixture
def sink() -> Iterator[LoopbackSmtpSink]:
    with LoopbackSmtpSink() as running:
        yield running


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with LoopbackSite() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, sink: LoopbackSmtpSink) -> Settings:
    return enforcement_settings(tmp_path, sink.port)


@pytest.fixture
def world(container: Container, campaign: Campaign, tmp_path: Path) -> World:
    return register_work(container, campaign, tmp_path)


def _notice_id(answer: object) -> int:
    location = getattr(answer, "headers", {})["location"]
    found = re.fullmatch(r"/notices/(\d+)", location)
    assert found, location
    return int(found.group(1))


def _audit(container: Container, action: str) -> list[models.AuditEvent]:
    with container.sessions() as session:
        return list(
            session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == action))
        )


def test_notice_sent_answered_rechecked_and_seen_by_the_holder(  # noqa: PLR0915 - one story, in order
    web_app: FastAPI,
    container: Container,
    campaign: Campaign,
    client_for: Callable[[str], WebClient],
    world: World,
    sink: LoopbackSmtpSink,
    site: LoopbackSite,
) -> None:
    gone, contested, kept = site.url("/v/1"), site.url("/v/2"), site.url("/v/3")
    for url in (gone, contested, kept):
        confirm_detection(container, world, campaign, "videosite", url)
    book = site.url("/b/1")
    confirm_detection(container, world, campaign, "booksite", book)
    site.serve("/v/3", f"<html><body><p>{pirated_text()}</p></body></html>")

    officer = client_for("guangdong")
    listing = officer.get("/notices")
    assert listing.status_code == 200
    assert "videosite" in listing.text and "booksite" not in listing.text  # not its region

    # draft for SMTP: one notice for videosite, the Zhejiang detection left alone
    drafted = officer.form(
        "/notices/draft",
        {"channel": "smtp", "language": "zh", "jurisdiction": "cn-rpnd"},
        follow_redirects=False,
    )
    assert drafted.status_code == 303, drafted.text
    email_notice = _notice_id(drafted)
    page = officer.get(f"/notices/{email_notice}")
    assert page.status_code == 200
    assert gone in page.text and kept in page.text and book not in page.text
    assert "侵权通知" in page.text or "Infringement" in page.text  # the rendered preview

    sent = officer.form(f"/notices/{email_notice}/send", follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert sink.envelopes[0][1] == ["copyright@videosite.example"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert gone in text and contested in text and kept in text and book not in text
    page = officer.get(f"/notices/{email_notice}")
    assert "delivered" in page.text or "已送达" in page.text

    # a second batch goes to the platform's webhook
    hooked = site.url("/v/4")
    confirm_detection(container, world, campaign, "videosite", hooked)
    with container.sessions() as session, session.begin():
        session.get_one(models.Platform, campaign.platforms["videosite"]).webhook_url = site.url(
            "/hooks/notices"
        )
    drafted = officer.form(
        "/notices/draft", {"channel": "webhook", "language": "en"}, follow_redirects=False
    )
    webhook_notice = _notice_id(drafted)
    assert officer.form(f"/notices/{webhook_notice}/send").status_code == 200
    assert len(site.received) == 1
    received = site.received[0]
    assert received.path == "/hooks/notices"
    secret = container.settings.secret_key
    assert secret is not None
    assert verify(
        secret.get_secret_value().encode(),
        received.headers[SIGNATURE_HEADER],
        received.body,
        now=time.time(),
    )
    assert [i["url"] for i in site.webhooks()[0]["data"]["items"]] == [hooked]

    # Zhejiang notices booksite
    zhejiang = client_for("zhejiang")
    book_notice = _notice_id(
        zhejiang.form(
            "/notices/draft", {"channel": "smtp", "language": "zh"}, follow_redirects=False
        )
    )
    assert zhejiang.form(f"/notices/{book_notice}/send").status_code == 200
    assert officer.get(f"/notices/{book_notice}").status_code == 404  # another province

    # the platform's own system: a token scoped to read notices and answer them
    token = platform_token(container, campaign, ["notices.read", "notices.answer"])
    api = TestClient(web_app, headers={"Authorization": f"Bearer {token}"})
    pulled = api.get("/api/v1/notices")
    assert pulled.status_code == 200, pulled.text
    assert sorted(n["id"] for n in pulled.json()["items"]) == sorted([email_notice, webhook_notice])
    assert api.get(f"/api/v1/notices/{book_notice}").status_code == 404
    detail = api.get(f"/api/v1/notices/{email_notice}").json()
    items = {i["url"]: i["id"] for i in detail["notice_items"]}
    assert set(items) == {gone, contested, kept}
    removed = api.post(
        f"/api/v1/notices/{email_notice}/items/{items[gone]}/answer", json={"answer": "removed"}
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["status"] == "pending" and removed.json()["reported_removed"]
    countered = api.post(
        f"/api/v1/notices/{email_notice}/items/{items[contested]}/answer",
        json={
            "answer": "counter_notice",
            "claimant": "Uploader Zhang",
            "contact": "zhang@example.org",
            "statement": "I hold a licence from the author for this excerpt.",
        },
    )
    assert countered.status_code == 200, countered.text
    assert countered.json()["status"] == "counter_noticed"
    again = api.post(
        f"/api/v1/notices/{email_notice}/items/{items[gone]}/answer", json={"answer": "removed"}
    )
    assert again.status_code == 400  # answered already
    with container.sessions() as session:
        book_item = session.scalars(
            select(models.NoticeItem.id).where(models.NoticeItem.notice_id == book_notice)
        ).one()
    assert (
        api.post(
            f"/api/v1/notices/{book_notice}/items/{book_item}/answer", json={"answer": "removed"}
        ).status_code
        == 404
    )
    assert api.post("/api/v1/notices", json={"channel": "smtp"}).status_code == 403  # scope
    assert {e.actor for e in _audit(container, "notice_item.answered")} == {"platform"}
    assert {e.actor for e in _audit(container, "notice_item.counter_noticed")} == {"platform"}
    assert {e.actor for e in _audit(container, "notice.sent")} == {"guangdong", "zhejiang"}

    # the platform user in the browser: its portal, not booksite's notice
    platform = client_for("platform")
    portal = platform.get("/portal/platform")
    assert portal.status_code == 200
    assert hooked in portal.text and book not in portal.text
    assert platform.get(f"/notices/{book_notice}").status_code == 404
    with container.sessions() as session:
        hooked_item = session.scalars(
            select(models.NoticeItem.id).where(models.NoticeItem.notice_id == webhook_notice)
        ).one()
    answered = platform.form(
        f"/portal/platform/notices/{webhook_notice}/items/{hooked_item}/answer",
        {"answer": "removed"},
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text

    # the re-check: /v/1 and /v/4 answer 404, /v/3 still serves the copy
    started = officer.form(f"/notices/{email_notice}/recheck", follow_redirects=False)
    assert started.status_code == 303
    job = started.headers["location"].split("recheck=")[1]
    done = officer.get(f"/notices/{email_notice}/recheck/{job}")
    assert done.status_code == 200 and "HX-Refresh" in done.headers
    with container.sessions() as session:
        notice = session.get_one(models.Notice, email_notice)
        states = {i.url: i.status for i in notice.items}
        assert states[gone] is NoticeItemStatus.REMOVED
        assert states[contested] is NoticeItemStatus.COUNTER_NOTICED
        assert states[kept] in (NoticeItemStatus.STILL_THERE, NoticeItemStatus.CHANGED)
        assert notice.status is NoticeStatus.PARTLY_COMPLIED
    checks = _audit(container, "notice_item.checked")
    assert {e.actor for e in checks} == {"guangdong"} and len(checks) == 2
    answered_api = api.post(f"/api/v1/notices/{webhook_notice}/recheck")
    assert answered_api.status_code == 403  # a platform does not judge itself
    officer_api_page = officer.get(f"/notices/{email_notice}")
    assert "partly_complied" in officer_api_page.text or "部分" in officer_api_page.text

    # the rights holder: the outcomes of its items, the counter-notice to contest
    holder = client_for("holder")
    mine = holder.get("/portal/holder")
    assert mine.status_code == 200
    assert gone in mine.text and "Uploader Zhang" in mine.text
    counter_id = int(re.search(r'data-counter="(\d+)"', mine.text).group(1))  # type: ignore[union-attr]
    contest = holder.form(
        f"/counter-notices/{counter_id}/contest",
        {"reason": "we sued the uploader", "next": "/portal/holder"},
        follow_redirects=False,
    )
    assert contest.status_code == 303 and contest.headers["location"] == "/portal/holder"
    assert {e.actor for e in _audit(container, "counter_notice.contested")} == {"holder"}
    refused = platform.form(f"/counter-notices/{counter_id}/contest", {"reason": "mine"})
    assert refused.status_code == 403

    complaint = holder.form(
        "/portal/holder/complaints",
        {"url": "https://mirror.example/sword/1", "work_id": str(world.work_id)},
        follow_redirects=False,
    )
    assert complaint.status_code == 303, complaint.text
    with container.sessions() as session:
        tip = session.scalars(select(models.Tip)).one()
        assert tip.url == "https://mirror.example/sword/1"
        assert tip.work_title == "剑影江湖"
        assert "Star Pictures" in (tip.description or "")
        assert tip.reporter_contact == "legal@star.example"
        (leaf_index,) = ledger.leaves_for(session, "tip", tip.id)  # in the evidence ledger
        leaf = json.loads(ledger.leaf(session, leaf_index).data)
        assert leaf["record"]["url"] == tip.url and leaf["record"]["reporter"] == "holder"
    assert {e.actor for e in _audit(container, "tip.received")} == {"holder"}
