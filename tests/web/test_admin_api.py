"""The audit log (page and API, scoped by region) and the users and tokens API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.web.conftest import Campaign, WebClient

from swordnet.bootstrap import Container
from swordnet.services import accounts


def _api(client: WebClient) -> WebClient:
    """A browser session calling the API sends its CSRF token as a header (as app.js does)."""
    client.headers["x-csrf-token"] = client.csrf
    return client


def test_the_audit_log_is_scoped_to_the_officers_region(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    client_for("zhejiang")  # signs in: login.succeeded by zhejiang
    client_for("reviewer_gd")
    officer = client_for("guangdong")
    page = officer.get("/audit?action=login.succeeded").text
    assert "reviewer_gd" in page and ">zhejiang<" not in page
    api = officer.get("/api/v1/audit", params={"action": "login.succeeded"}).json()
    actors = {item["actor"] for item in api["items"]}
    assert "reviewer_gd" in actors and "zhejiang" not in actors
    assert "Verify the chain" not in page and "验证" not in page
    assert officer.form("/audit/verify").status_code == 403
    admin = client_for("admin")
    everything = admin.get("/api/v1/audit", params={"action": "login.succeeded"}).json()
    assert {"zhejiang", "reviewer_gd"} <= {item["actor"] for item in everything["items"]}


def test_the_audit_log_is_searchable_and_the_chain_is_verified(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    accounts.link_oidc(
        container.sessions,
        campaign.people["viewer_gd"].user_id,
        "https://id.example|观察员",
        actor="admin",
    )
    admin = client_for("admin")
    found = admin.get("/api/v1/audit", params={"q": "观察员"}).json()["items"]
    assert [e["action"] for e in found] == ["user.oidc_linked"]
    by_entity = admin.get(
        "/api/v1/audit",
        params={
            "entity": "user",
            "entity_id": campaign.people["viewer_gd"].user_id,
            "action": "user.",
        },
    ).json()["items"]
    assert {"user.created", "user.oidc_linked"} <= {e["action"] for e in by_entity}
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert admin.get("/api/v1/audit", params={"since": tomorrow}).json()["items"] == []
    # keyset pages: no event twice, newest first
    first = admin.get("/api/v1/audit", params={"limit": 3}).json()
    second = admin.get(first["next"].replace("http://127.0.0.1", "")).json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6
    exported = admin.get("/api/v1/audit/export", params={"actor": "admin"})
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    assert lines and all(e["actor"] == "admin" for e in lines)
    assert [e["seq"] for e in lines] == sorted(e["seq"] for e in lines)
    verified = admin.form("/audit/verify")
    assert 'data-intact="yes"' in verified.text, verified.text


def test_the_users_api(campaign: Campaign, client_for: Callable[[str], WebClient]) -> None:
    admin = _api(client_for("admin"))
    body = {"username": "cyber", "role": "partner", "agency_id": campaign.agencies["police"]}
    key = {"idempotency-key": "create-cyber"}
    created = admin.post("/api/v1/users", json=body, headers=key)
    assert created.status_code == 201, created.text
    again = admin.post("/api/v1/users", json=body, headers=key)
    assert again.json() == created.json() and again.headers["idempotent-replayed"] == "true"
    user = created.json()["user"]
    assert user["region_code"] == "440000" and len(created.json()["password"]) >= 20
    bad = admin.post("/api/v1/users", json={"username": "h2", "role": "rights_holder"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    changed = admin.patch(
        f"/api/v1/users/{user['id']}",
        json={"role": "rights_holder", "holder_id": campaign.holders["star"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["holder_id"] == campaign.holders["star"]
    assert changed.json()["user"]["agency_id"] is None
    off = admin.post(f"/api/v1/users/{user['id']}/deactivate")
    assert off.json()["user"]["active"] is False
    officer = _api(client_for("guangdong"))
    listed = {
        u["username"] for u in officer.get("/api/v1/users", params={"limit": 500}).json()["items"]
    }
    assert "reviewer_gd" in listed and "zhejiang" not in listed
    assert officer.get(f"/api/v1/users/{campaign.people['zhejiang'].user_id}").status_code == 404
    assert officer.post("/api/v1/users", json=body).status_code == 403


def test_the_tokens_api(client_for: Callable[[str], WebClient]) -> None:
    holder = _api(client_for("holder"))
    made = holder.post(
        "/api/v1/tokens", json={"name": "sync", "scopes": ["works.read", "tokens.read"]}
    )
    assert made.status_code == 201, made.text
    secret, token = made.json()["secret"], made.json()["token"]
    assert secret.startswith(f"swn_{token['prefix']}_") and "secret" not in json.dumps(token)
    bearer = {"authorization": f"Bearer {secret}"}
    mine = holder.get("/api/v1/tokens", headers=bearer).json()["items"]
    assert [t["id"] for t in mine] == [token["id"]]
    other = _api(client_for("platform"))
    assert other.get("/api/v1/tokens").json()["items"] == []
    assert other.post(f"/api/v1/tokens/{token['id']}/revoke").status_code == 404
    revoked = holder.post(f"/api/v1/tokens/{token['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    assert holder.get("/api/v1/tokens", headers=bearer).status_code == 401
    assert re.match(r"^[0-9a-f]{8}$", token["prefix"])
