"""Parties through the API and the pages, as each role of the campaign sees them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.web.conftest import SHENZHEN, ZHEJIANG, Campaign, WebClient

from swordnet.bootstrap import Container
from swordnet.storage import models

Clients = Callable[[str], WebClient]


def _json(client: WebClient, method: str, url: str, body: Any, **headers: str) -> Any:
    return client.request(method, url, json=body, headers={"X-CSRF-Token": client.csrf, **headers})


def test_an_officer_registers_and_changes_the_platforms_of_its_region_only(
    client_for: Clients, campaign: Campaign
) -> None:
    gd = client_for("guangdong")
    created = _json(
        gd,
        "POST",
        "/api/v1/platforms",
        {
            "name": "Shop",
            "domain": "shop.example",
            "category": "ecommerce",
            "region_code": SHENZHEN,
            "webhook_url": "https://shop.example/hook",
            "webhook_secret": "w" * 32,
        },
        **{"Idempotency-Key": "shop-1"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["webhook_secret_set"] is True and "webhook_secret" not in body
    again = _json(
        gd,
        "POST",
        "/api/v1/platforms",
        {
            "name": "Shop",
            "domain": "shop.example",
            "category": "ecommerce",
            "region_code": SHENZHEN,
            "webhook_url": "https://shop.example/hook",
            "webhook_secret": "w" * 32,
        },
        **{"Idempotency-Key": "shop-1"},
    )
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    outside = _json(
        gd,
        "POST",
        "/api/v1/platforms",
        {"name": "Z", "domain": "z.example", "region_code": ZHEJIANG},
    )
    assert outside.status_code == 403
    assert "outside" in outside.json()["detail"]
    zhejiang_site = campaign.platforms["booksite"]
    refused = _json(gd, "PATCH", f"/api/v1/platforms/{zhejiang_site}", {"operator": "X"})
    assert refused.status_code == 404
    moved_out = _json(gd, "PATCH", f"/api/v1/platforms/{body['id']}", {"region_code": ZHEJIANG})
    assert moved_out.status_code == 403
    changed = _json(
        gd,
        "PATCH",
        f"/api/v1/platforms/{campaign.platforms['videosite']}",
        {"key_supervision": True},
    )
    assert changed.status_code == 200 and changed.json()["key_supervision"] is True
    bad = _json(gd, "PATCH", f"/api/v1/platforms/{body['id']}", {"webhook_url": "javascript:x"})
    assert bad.status_code == 400 and "https://" in bad.json()["detail"]
    listed = gd.get("/api/v1/platforms", params={"region_code": SHENZHEN}).json()
    assert {p["domain"] for p in listed["items"]} == {"shop.example", "videosite.example"}


def test_a_platform_reads_only_its_own_record(client_for: Clients, campaign: Campaign) -> None:
    platform = client_for("platform")
    items = platform.get("/api/v1/platforms").json()["items"]
    assert [p["id"] for p in items] == [campaign.platforms["videosite"]]
    assert platform.get(f"/api/v1/platforms/{campaign.platforms['booksite']}").status_code == 404
    answer = _json(
        platform, "PATCH", f"/api/v1/platforms/{campaign.platforms['videosite']}", {"name": "X"}
    )
    assert answer.status_code == 403


def test_a_rights_holder_reads_and_edits_only_its_own_record(
    client_for: Clients, campaign: Campaign, container: Container
) -> None:
    with container.sessions() as session, session.begin():
        other = models.RightsHolder(name="Other Studio")
        session.add(other)
        session.flush()
        other_id = other.id
    holder = client_for("holder")
    items = holder.get("/api/v1/holders").json()["items"]
    assert [h["id"] for h in items] == [campaign.holders["star"]]
    assert holder.get(f"/api/v1/holders/{other_id}").status_code == 404
    own = campaign.holders["star"]
    changed = _json(holder, "PATCH", f"/api/v1/holders/{own}", {"contact_name": "Li Lei"})
    assert changed.status_code == 200 and changed.json()["contact_name"] == "Li Lei"
    agent = _json(
        holder,
        "POST",
        f"/api/v1/holders/{own}/agents",
        {"name": "Wang Fang", "email": "wang@agent.example", "valid_until": "2030-01-01"},
    )
    assert agent.status_code == 201 and agent.json()["agents"][0]["name"] == "Wang Fang"
    assert _json(holder, "PATCH", f"/api/v1/holders/{other_id}", {"phone": "1"}).status_code == 404
    assert _json(holder, "POST", "/api/v1/holders", {"name": "Mine too"}).status_code == 403


def test_agencies_and_regions(client_for: Clients) -> None:
    admin = client_for("admin")
    created = _json(
        admin,
        "POST",
        "/api/v1/agencies",
        {"name": "GD Telecom", "kind": "telecom", "region_code": "440000", "email": "t@gd.example"},
    )
    assert created.status_code == 201, created.text
    officer = client_for("guangdong")
    kinds = officer.get("/api/v1/agencies", params={"kind": "telecom"}).json()["items"]
    assert [a["name"] for a in kinds] == ["GD Telecom"]
    assert _json(officer, "POST", "/api/v1/agencies", {}).status_code in (403, 422)
    csv_text = "code,parent_code,name,name_en\n440106,440300,南山区,Nanshan\n"
    files = {"file": ("regions.csv", csv_text.encode(), "text/csv")}
    headers = {"X-CSRF-Token": admin.csrf}
    imported = admin.post("/api/v1/regions/import", files=files, headers=headers)
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == ["440106"]
    again = admin.post("/api/v1/regions/import", files=files, headers=headers).json()
    assert again == {"created": [], "updated": [], "unchanged": 1}
    cycle = {"file": ("r.csv", b"code,parent_code,name\nQ1,Q2,a\nQ2,Q1,b\n", "text/csv")}
    refused = admin.post("/api/v1/regions/import", files=cycle, headers=headers)
    assert refused.status_code == 400 and "cycle" in refused.json()["detail"]
    denied = officer.post(
        "/api/v1/regions/import", files=files, headers={"X-CSRF-Token": officer.csrf}
    )
    assert denied.status_code == 403
    region = officer.get("/api/v1/regions/440106").json()
    assert region["path"] == "CN/440000/440300/440106/"
    page = officer.get("/api/v1/regions", params={"under": "440000", "limit": 2}).json()
    assert [r["code"] for r in page["items"]] == ["440000", "440300"] and page["next"]
    following = officer.get(page["next"]).json()
    assert [r["code"] for r in following["items"]] == ["440106"]


def test_the_pages(client_for: Clients, campaign: Campaign) -> None:
    gd = client_for("guangdong")
    listing = gd.get("/platforms")
    assert listing.status_code == 200
    for entry in ('href="/platforms"', 'href="/holders"', 'href="/agencies"', 'href="/regions"'):
        assert entry in listing.text
    assert "videosite.example" in listing.text and "booksite.example" in listing.text
    added = gd.form(
        "/platforms",
        {
            "name": "Forum",
            "domain": "forum.example",
            "category": "forum",
            "region_code": SHENZHEN,
            "notice_emails": "a@forum.example\nb@forum.example",
            "key_supervision": "1",
            "status": "active",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    page = gd.get(added.headers["location"])
    assert "b@forum.example" in page.text
    wrong = gd.form(
        "/platforms", {"name": "Bad", "domain": "bad.example", "notice_email": "not-an-address"}
    )
    assert wrong.status_code == 400 and "not an e-mail address" in wrong.text
    platform_page = gd.get(f"/platforms/{campaign.platforms['videosite']}")
    assert platform_page.status_code == 200
    viewer = client_for("platform")
    assert viewer.get(f"/platforms/{campaign.platforms['booksite']}").status_code == 404
    assert 'href="/holders"' not in viewer.get("/platforms").text
    chinese = gd.get("/regions", params={"lang": "zh_CN"})
    assert "地区" in chinese.text and "导入地区" not in chinese.text  # officers do not import


def test_the_api_needs_a_signed_in_caller(web_app: Any) -> None:
    with TestClient(web_app, base_url="http://127.0.0.1") as anonymous:
        assert anonymous.get("/api/v1/platforms").status_code == 401
