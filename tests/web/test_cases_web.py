"""Cases worked in the browser, end to end: a Guangdong officer opens a case from
detections, records figures and a penalty and refers it to the police, who accept it in
their inbox, ask for more and record the outcome; Zhejiang never sees it. A repeat
infringer's shutdown request goes to the telecom regulator by e-mail and the site counts
as shut down only after the outcome and re-checks that find it gone."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.web.conftest import GUANGDONG, SHENZHEN, Campaign, Person, WebClient, sign_in
from tests.web.enforcement_world import LoopbackSite, enforcement_settings

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.bootstrap import Container
from swordnet.domain.enforcement import RepeatInfringerPolicy
from swordnet.domain.kinds import (
    AgencyKind,
    DetectionStatus,
    PlatformCategory,
    PlatformStatus,
    Role,
    WorkKind,
)
from swordnet.services import accounts
from swordnet.services.cases.shutdowns import recheck_shutdowns
from swordnet.services.enforcement.escalation import escalate
from swordnet.settings import Settings
from swordnet.storage import models


@pytest.fixture
def sink() -> Iterator[LoopbackSmtpSink]:
    with LoopbackSmtpSink() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, sink: LoopbackSmtpSink) -> Settings:
    base = enforcement_settings(tmp_path, sink.port)
    enforcement = base.enforcement.model_copy(
        update={"shutdown_confirm_days": 1.0, "shutdown_confirm_checks": 2}
    )
    return base.model_copy(update={"enforcement": enforcement})


def _detections(container: Container, campaign: Campaign, platform_id: int, n: int) -> list[int]:
    ids = []
    with container.sessions() as session, session.begin():
        work = models.Work(
            title="剑影江湖", kind=WorkKind.EPISODE, holder_id=campaign.holders["star"]
        )
        session.add(work)
        session.flush()
        reference = models.ReferenceFile(
            work_id=work.id,
            path="/refs/x.txt",
            modality="text",
            sha256=secrets.token_hex(32),
            size_bytes=1,
        )
        session.add(reference)
        session.flush()
        for i in range(n):
            url = f"http://copies.example/{platform_id}/{i}"
            detection = models.Detection(
                work_id=work.id,
                reference_id=reference.id,
                platform_id=platform_id,
                region_code=SHENZHEN,
                url=url,
                url_sha256=hashlib.sha256(url.encode()).hexdigest(),
                modality="text",
                signal="text",
                score=0.95,
                status=DetectionStatus.CONFIRMED,
                detected_at=datetime.now(UTC),
            )
            session.add(detection)
            session.flush()
            ids.append(detection.id)
    return ids


def _ok(answer: Any) -> Any:
    assert answer.status_code in (200, 303), answer.text[:2000]
    return answer


def _case_id(answer: Any) -> int:
    found = re.match(r"/cases/(\d+)", answer.headers["location"])
    assert found, answer.headers
    return int(found.group(1))


def test_officer_opens_decides_and_refers_police_answer_zhejiang_sees_nothing(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    detections = _detections(container, campaign, campaign.platforms["videosite"], 2)
    gd = client_for("guangdong")
    assert _ok(gd.get(f"/cases/new?detections={detections[0]},{detections[1]}")).status_code == 200
    created = _ok(
        gd.form(
            "/cases",
            {
                "title": "videosite 盗版剧集",
                "target_kind": "site",
                "identifier": "videosite.example",
                "operator": "Video Ltd",
                "detections": " ".join(map(str, detections)),
            },
            follow_redirects=False,
        )
    )
    case_id = _case_id(created)
    # refused from intake: a decision needs an investigation first
    assert gd.form(f"/cases/{case_id}/transition", {"transition": "decide"}).status_code == 400
    _ok(gd.form(f"/cases/{case_id}/transition", {"transition": "investigate"}))
    _ok(
        gd.form(
            f"/cases/{case_id}/figures",
            {
                "name": "illegal_gains",
                "value": "62000",
                "currency": "CNY",
                "source": "会员充值流水",
            },
        )
    )
    _ok(
        gd.form(
            f"/cases/{case_id}/figures",
            {"name": "actual_clicks", "value": "600000", "source": "server logs"},
        )
    )
    _ok(
        gd.form(
            f"/cases/{case_id}/penalties",
            {
                "kind": "fine",
                "amount": "250000",
                "currency": "CNY",
                "legal_basis": "《中华人民共和国著作权法》第五十三条",
            },
        )
    )
    # a fine without its amount is refused
    refused = gd.form(
        f"/cases/{case_id}/penalties", {"kind": "fine", "legal_basis": "Copyright Law art. 53"}
    )
    assert refused.status_code == 400
    _ok(gd.form(f"/cases/{case_id}/transition", {"transition": "decide"}))
    _ok(
        gd.form(
            f"/cases/{case_id}/referrals",
            {"agency_id": campaign.agencies["police"], "kind": "criminal", "message": "请审查"},
        )
    )
    page = _ok(gd.get(f"/cases/{case_id}")).text
    for expected in ("62000", "600000", "250000", "第五十三条", "会员充值流水", "Guangdong Public"):
        assert expected in page
    assert page.count('data-detection="') == 2

    # the police: its inbox, accept, ask for more, the officer answers, outcome
    police = client_for("police")
    inbox = _ok(police.get("/partner/inbox")).text
    referral_id = int(re.search(r'data-referral="(\d+)"', inbox).group(1))  # type: ignore[union-attr]
    assert f"/cases/{case_id}" in inbox
    _ok(police.form(f"/partner/referrals/{referral_id}/accept"))
    _ok(
        police.form(
            f"/partner/referrals/{referral_id}/request-more", {"message": "请补充服务器日志"}
        )
    )
    assert "请补充服务器日志" in _ok(gd.get(f"/cases/{case_id}")).text
    _ok(gd.form(f"/cases/{case_id}/referrals/{referral_id}/resubmit", {"message": "已补充日志"}))
    _ok(police.form(f"/partner/referrals/{referral_id}/accept"))
    _ok(
        police.form(
            f"/partner/referrals/{referral_id}/outcome",
            {"outcome": "action_taken", "text": "已立案侦查"},
        )
    )
    # the police may not change the case itself
    assert police.form(f"/cases/{case_id}/transition", {"transition": "close"}).status_code == 403
    assert "已立案侦查" in _ok(police.get(f"/cases/{case_id}")).text
    api = police.get("/api/v1/referrals").json()
    assert [r["status"] for r in api["items"]] == ["outcome_recorded"]
    _ok(gd.form(f"/cases/{case_id}/transition", {"transition": "close", "note": "移送完毕"}))
    detail = gd.get(f"/api/v1/cases/{case_id}").json()
    assert detail["state"] == "closed"
    assert [f["name"] for f in detail["figures"]] == ["illegal_gains", "actual_clicks"]
    assert detail["items"]["detection"] == detections

    # Zhejiang reaches none of it
    zj = client_for("zhejiang")
    assert zj.get(f"/cases/{case_id}").status_code == 404
    assert f'href="/cases/{case_id}"' not in zj.get("/cases").text
    assert zj.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert zj.form(f"/cases/{case_id}/transition", {"transition": "reopen"}).status_code == 404

    # every change is an event of the case and an audit event under the real user
    with container.sessions() as session:
        kinds = session.scalars(
            select(models.CaseEvent.kind)
            .where(models.CaseEvent.case_id == case_id)
            .order_by(models.CaseEvent.id)
        ).all()
        actors = set(
            session.execute(
                select(models.AuditEvent.actor, models.AuditEvent.action).where(
                    models.AuditEvent.entity == "enforcement_case",
                    models.AuditEvent.entity_id == case_id,
                )
            ).all()
        )
    assert kinds[0] == "opened" and "items_added" in kinds
    assert kinds.count("referral_accept") == 2
    assert ("guangdong", "case.penalty_recorded") in actors
    assert ("police", "case.referral_record_outcome") in actors


def _partner(container: Container, web_app: FastAPI, agency_id: int) -> WebClient:
    password = secrets.token_urlsafe(15)
    user_id = accounts.create_user(
        container.sessions, "telecom_gd", Role.PARTNER, password=password, actor="test"
    )
    with container.sessions() as session, session.begin():
        user = session.get_one(models.User, user_id)
        user.agency_id, user.region_code = agency_id, GUANGDONG
    return sign_in(web_app, Person("telecom_gd", password, Role.PARTNER, user_id))


def test_a_shutdown_request_is_sent_answered_and_verified_by_rechecks(
    container: Container,
    campaign: Campaign,
    web_app: FastAPI,
    client_for: Callable[[str], WebClient],
    sink: LoopbackSmtpSink,
) -> None:
    with LoopbackSite() as site:
        site.serve("/", "<html><body>盗版影视</body></html>")
        domain = site.base.removeprefix("http://")
        with container.sessions() as session, session.begin():
            telecom = models.Agency(
                name="广东省通信管理局",
                kind=AgencyKind.TELECOM,
                region_code=GUANGDONG,
                email="shutdown@gdca.example",
            )
            pirate = models.Platform(
                name="pirate",
                domain=domain,
                category=PlatformCategory.VIDEO,
                region_code=SHENZHEN,
                operator="Pirate Ltd",
            )
            session.add_all([telecom, pirate])
            session.flush()
            telecom_id, pirate_id = telecom.id, pirate.id
        _detections(container, campaign, pirate_id, 1)
        now = datetime.now(UTC)
        summary = escalate(
            container.sessions,
            container.settings.enforcement,
            now=now,
            policy=RepeatInfringerPolicy(
                ignored_notices=99, confirmed_detections=1, window=timedelta(days=30)
            ),
        )
        assert summary.sites == [domain]
        case_id, request_id = summary.cases_opened[0], summary.shutdown_requests[0]

        gd = client_for("guangdong")
        page = _ok(gd.get(f"/cases/{case_id}")).text
        assert f"/shutdown-requests/{request_id}/send" in page
        _ok(gd.form(f"/cases/{case_id}/shutdown-requests/{request_id}/send", {"channel": "smtp"}))
        assert [m["To"] for m in sink.messages] == ["shutdown@gdca.example"]
        assert domain in sink.messages[0].get_body().get_content()  # type: ignore[union-attr]
        # sent once: a second send is refused
        again = gd.form(f"/cases/{case_id}/shutdown-requests/{request_id}/send")
        assert again.status_code == 400 and len(sink.messages) == 1

        def recheck(at: datetime) -> Any:
            return recheck_shutdowns(
                container.sessions, container.fetcher, container.settings.enforcement, now=at
            )

        # nothing is re-checked before the agency records its outcome
        assert recheck(now).checked == 0
        telecom_client = _partner(container, web_app, telecom_id)
        inbox = _ok(telecom_client.get("/partner/inbox")).text
        referral_id = int(re.search(r'data-referral="(\d+)"', inbox).group(1))  # type: ignore[union-attr]
        _ok(telecom_client.form(f"/partner/referrals/{referral_id}/accept"))
        _ok(
            telecom_client.form(
                f"/partner/referrals/{referral_id}/outcome",
                {"outcome": "action_taken", "text": "已关停接入"},
            )
        )
        # the site still answers: not shut down, whatever the agency said
        first = recheck(now)
        assert (first.checked, first.answering, first.verified) == (1, 1, [])
    # the server is gone: connections are refused from now on
    t0 = now + timedelta(hours=1)
    assert recheck(t0).gone == 1
    assert recheck(t0 + timedelta(hours=2)).verified == []  # two checks, not a day yet
    done = recheck(t0 + timedelta(days=1, hours=1))
    assert done.verified == [referral_id]
    with container.sessions() as session:
        assert session.get_one(models.Platform, pirate_id).status is PlatformStatus.SHUT_DOWN
        referral = session.get_one(models.Referral, referral_id)
        assert referral.verified_at is not None and referral.gone_checks == 3
        request = session.get_one(models.ShutdownRequest, request_id)
        assert request.status == "sent"
    assert "已确认关停" in gd.get(f"/cases/{case_id}", headers={"Accept-Language": "zh-CN"}).text
