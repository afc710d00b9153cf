"""Threshold evaluation of a case in the API and on its page (Chinese and English, the
caution when the thresholds are unverified), the rule-set API, and the police referral
package (its PDF read back through the font's ToUnicode map)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.pdf_text import pdf_text
from tests.web.conftest import Campaign, WebClient
from tests.web.test_cases_web import _detections

from swordnet.bootstrap import Container
from swordnet.services.access import load_principal
from swordnet.services.cases import package

FIGURES = (
    {
        "name": "illegal_business_volume",
        "value": 32000,
        "currency": "CNY",
        "source": "会员充值流水",
    },
    {"name": "registered_members", "value": 800, "source": "the site's VIP page"},
    {"name": "actual_clicks", "value": 62000, "source": "server logs"},
    {"name": "copies", "value": 10, "unit": "boxes", "source": "seized stock"},
)


def _post(client: WebClient, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json=body, headers={"X-CSRF-Token": client.csrf})


def _case(container: Container, campaign: Campaign, gd: WebClient) -> int:
    detections = _detections(container, campaign, campaign.platforms["videosite"], 2)
    created = _post(
        gd,
        "/api/v1/cases",
        {
            "title": "videosite VIP",
            "target_kind": "site",
            "identifiers": {"domain": "videosite.example"},
            "detection_ids": detections,
        },
    )
    assert created.status_code == 201, created.text
    case_id = int(created.json()["id"])
    for figure in FIGURES:
        answer = _post(gd, f"/api/v1/cases/{case_id}/figures", figure)
        assert answer.status_code == 201, answer.text
    return case_id


def _levels(body: dict[str, Any]) -> dict[str, Any]:
    return {level["level"]: level for level in body["evaluation"]["levels"]}


def test_case_evaluation_in_the_api_page_and_package(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    gd = client_for("guangdong")
    case_id = _case(container, campaign, gd)

    # conduct today (the detections' day): the 2025 Interpretation, every threshold unverified
    body = gd.get(f"/api/v1/cases/{case_id}/thresholds").json()
    assert body["conduct_date_basis"] == "earliest_detection"
    assert body["conduct_date"] == datetime.now(UTC).date().isoformat()
    evaluation = body["evaluation"]
    assert evaluation["rule_set"] == "cn-2025-interpretation-art13"
    assert evaluation["reached"] == "serious" and evaluation["reached_by_partial_rule"]
    assert evaluation["relies_on_unverified_thresholds"]
    serious = _levels(body)["serious"]
    assert serious["items_at_fraction"] == ["(1)", "(4)"]
    statuses = {limb["limb"]: limb["status"] for limb in serious["limbs"]}
    assert statuses["2025-13-1"] == "partial" and statuses["2025-13-4-members"] == "partial"
    assert statuses["2025-13-gains"] == "missing"
    assert "illegal_gains" in _levels(body)["especially_serious"]["deciding_figures"]
    assert any(line.startswith("Caution:") for line in evaluation["explanation_en"])
    assert any(line.startswith("注意：该结论") for line in evaluation["explanation_zh"])
    # a count in a unit the rule set does not count in is set aside, with the reason
    assert [s["name"] for s in body["set_aside"]] == ["copies"]
    assert "boxes" in body["set_aside"][0]["reason_en"]

    # conduct in 2020: the 2011 Opinions; clicks met (verified): no caution
    old = gd.get(f"/api/v1/cases/{case_id}/thresholds?conduct_date=2020-06-01").json()
    assert old["conduct_date_basis"] == "given"
    assert old["evaluation"]["rule_set"] == "cn-2011-opinions-art13"
    assert old["evaluation"]["reached"] == "serious"
    assert not old["evaluation"]["reached_by_partial_rule"]
    assert not old["evaluation"]["relies_on_unverified_thresholds"]

    # the page, in each language
    english = gd.get(f"/cases/{case_id}?lang=en").text
    assert 'id="threshold-caution"' in english and "Caution" in english
    assert "art. 13(5)" in english and "at the fraction" in english
    assert "the earliest detection the case gathers" in english
    chinese = gd.get(f"/cases/{case_id}?lang=zh_CN").text
    assert 'id="threshold-caution"' in chinese
    assert "违法所得数额较大或者有其他严重情节" in chinese and "第十三条第一款第（五）项" in chinese
    assert "刑事立案标准" in chinese and "注意：该结论所依据的标准未经官方文本核对" in chinese

    # a rights holder reads cases of its works, not threshold evaluations
    assert client_for("holder").get(f"/api/v1/cases/{case_id}/thresholds").status_code == 403

    # the package, from the API, and its text read back
    pdf = gd.get(f"/api/v1/cases/{case_id}/referral-package")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert gd.get(f"/cases/{case_id}/referral-package.pdf").content.startswith(b"%PDF")
    with container.sessions() as session:
        officer = load_principal(session, campaign.people["guangdong"].user_id, second_factor=True)
        assert officer is not None
        built = package.build_package(
            container.sessions, session, officer, case_id, now=datetime.now(UTC)
        )
    text = pdf_text(package.render_package_pdf(built, compress=False))
    for expected in (
        "案件移送材料",
        "Police referral package",
        "videosite.example",
        "会员充值流水",
        "非法经营数额 ¥32,000 < ¥50,000",
        "illegal business volume ¥32,000 < ¥50,000, but ≥ ¥25,000",
        "Caution: the thresholds this conclusion rests on are not verified",
        "http://copies.example/",
        "案情说明",
        "The case is referred to the public security organ",
        "电子证据包",
    ):
        assert expected in text, expected


def test_rule_sets_and_evaluation_through_the_api(
    client_for: Callable[[str], WebClient],
) -> None:
    viewer = client_for("viewer_gd")
    listed = viewer.get("/api/v1/thresholds").json()["items"]
    assert {r["id"] for r in listed} >= {"cn-2011-opinions-art13", "cn-2025-interpretation-art13"}
    one = viewer.get("/api/v1/thresholds/cn-2011-opinions-art13").json()
    assert one["sources"] and one["quotes"]
    limbs = {limb["id"]: limb for level in one["levels"] for limb in level["limbs"]}
    assert any(not limb["verified"] for limb in limbs.values())
    assert viewer.get("/api/v1/thresholds/no-such-rules").status_code == 404
    answer = _post(
        viewer,
        "/api/v1/thresholds/evaluate",
        {
            "rule_set": "cn-2011-opinions-art13",
            "figures": [{"name": "illegal_business_volume", "value": 62000, "unit": "CNY"}],
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["reached"] == "serious"
    assert not answer.json()["relies_on_unverified_thresholds"]
    bad = _post(
        viewer,
        "/api/v1/thresholds/evaluate",
        {"conduct_date": "2020-01-01", "figures": [{"name": "nonsense", "value": 1}]},
    )
    assert bad.status_code == 400
    assert client_for("platform").get("/api/v1/thresholds").status_code == 403
