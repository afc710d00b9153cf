"""The review queue: scoped to the region, decisions audited under the person, bulk
decisions all or nothing, holders read-only, priority order and pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from tests.web.conftest import Campaign, WebClient
from tests.web.evidence_seed import GD_URL, ZJ_URL, seed

from swordnet.bootstrap import Container
from swordnet.domain.kinds import DetectionStatus
from swordnet.services import review_queue
from swordnet.services.access import load_principal
from swordnet.storage import models


def _status(container: Container, detection_id: int) -> DetectionStatus:
    with container.sessions() as session:
        return session.get_one(models.Detection, detection_id).status


def _audited(container: Container, action: str) -> list[tuple[str, int | None]]:
    with container.sessions() as session:
        return [
            (e.actor, e.entity_id)
            for e in session.scalars(
                select(models.AuditEvent).where(models.AuditEvent.action == action)
            )
        ]


def test_an_officer_sees_and_decides_only_the_region(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    page = gd.get("/review")
    assert page.status_code == 200
    assert GD_URL in page.text and ZJ_URL not in page.text
    assert gd.get(f"/detections/{s.zj}").status_code == 404
    refused = gd.form(f"/detections/{s.zj}/decision", {"decision": "confirm"})
    assert refused.status_code == 404
    assert _status(container, s.zj) is DetectionStatus.NEW
    zj = client_for("zhejiang")
    assert ZJ_URL in zj.get("/review").text and GD_URL not in zj.get("/review").text


def test_a_decision_by_htmx_redraws_the_row_and_is_audited_under_the_person(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    answer = gd.form(
        f"/detections/{s.gd}/decision", {"decision": "confirm"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    assert f'id="row-{s.gd}"' in answer.text and "badge confirmed" in answer.text
    assert _status(container, s.gd) is DetectionStatus.CONFIRMED
    assert ("guangdong", s.gd) in _audited(container, "detection.confirmed")


def test_dismissing_needs_a_reason(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("reviewer_gd")
    refused = gd.form(f"/detections/{s.gd}/decision", {"decision": "dismiss"})
    assert refused.status_code == 400 and "reason" in refused.text
    assert _status(container, s.gd) is DetectionStatus.NEW
    done = gd.form(
        f"/detections/{s.gd}/decision",
        {"decision": "dismiss", "reason": "a quotation in a review"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with container.sessions() as session:
        row = session.get_one(models.Detection, s.gd)
        assert row.status is DetectionStatus.DISMISSED
        assert row.status_reason == "a quotation in a review"
        assert row.decided_by == campaign.people["reviewer_gd"].user_id


def test_bulk_confirm_is_audited_per_detection(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    answer = gd.post(
        "/review/decisions",
        data={"csrf_token": gd.csrf, "decision": "confirm", "detection_id": [s.gd, s.gd_other]},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.count('hx-swap-oob="outerHTML"') == 2
    audited = _audited(container, "detection.confirmed")
    assert sorted(i for actor, i in audited if actor == "guangdong") == sorted([s.gd, s.gd_other])


def test_a_bulk_decision_reaching_outside_the_region_changes_nothing(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    gd = client_for("guangdong")
    answer = gd.post(
        "/review/decisions",
        data={"csrf_token": gd.csrf, "decision": "confirm", "detection_id": [s.gd, s.zj]},
    )
    assert answer.status_code == 404
    assert _status(container, s.gd) is DetectionStatus.NEW
    assert _status(container, s.zj) is DetectionStatus.NEW


def test_a_rights_holder_sees_its_works_detections_read_only(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    holder = client_for("holder")
    page = holder.get("/review")
    assert page.status_code == 200
    assert GD_URL in page.text and ZJ_URL in page.text  # its work, wherever found
    assert f"/detections/{s.gd_other}" not in page.text  # not its work
    assert "/decision" not in page.text
    assert holder.get(f"/detections/{s.gd_other}").status_code == 404
    assert holder.form(f"/detections/{s.gd}/decision", {"decision": "confirm"}).status_code == 403
    assert _status(container, s.gd) is DetectionStatus.NEW


def test_the_queue_puts_key_works_first_and_pages_through_everything(
    container: Container, campaign: Campaign
) -> None:
    s = seed(container, campaign)
    with container.sessions() as session:
        national = load_principal(session, campaign.people["national"].user_id, second_factor=True)
        assert national is not None
        at = datetime.now(UTC)
        whole = review_queue.review_page(
            session, national, review_queue.QueueFilters(), now=at, limit=50
        )
        # the key work's copies (0.93, 0.91) before the other work's (0.5)
        assert [r.id for r in whole.rows] == [s.gd, s.zj, s.gd_other]
        seen, cursor = [], None
        while True:
            page = review_queue.review_page(
                session, national, review_queue.QueueFilters(), now=at, cursor=cursor, limit=1
            )
            seen += [r.id for r in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [s.gd, s.zj, s.gd_other]
        by_date = review_queue.review_page(
            session, national, review_queue.QueueFilters(sort="date"), now=at, limit=2
        )
        following = review_queue.review_page(
            session,
            national,
            review_queue.QueueFilters(sort="date"),
            now=at,
            limit=2,
            cursor=by_date.next_cursor,
        )
        assert sorted(r.id for r in by_date.rows + following.rows) == sorted(
            [s.gd, s.zj, s.gd_other]
        )


def test_filters_narrow_the_queue(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    s = seed(container, campaign)
    national = client_for("national")
    high = national.get("/review", params={"min_score": "0.92"}).text
    assert f"/detections/{s.gd}" in high and f"/detections/{s.zj}" not in high
    by_site = national.get("/review", params={"site": "booksite.example"}).text
    assert f"/detections/{s.zj}" in by_site and f"/detections/{s.gd}" not in by_site
    keys = national.get("/review", params={"key_work": "no"}).text
    assert f"/detections/{s.gd_other}" in keys and f"/detections/{s.gd}" not in keys
    region = national.get("/review", params={"region": "330000"}).text
    assert f"/detections/{s.zj}" in region and f"/detections/{s.gd}" not in region
    assert national.get("/review", params={"min_score": "lots"}).status_code == 400
