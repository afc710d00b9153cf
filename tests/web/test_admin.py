"""Accounts administration through the pages: who sees which users, creating one with a
checked membership, deactivating, resets; the caller's own account and API tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from tests.web.conftest import SHENZHEN, Campaign, Person, WebClient, sign_in

from swordnet.bootstrap import Container
from swordnet.domain.kinds import Role


def _rows(page: str, attribute: str) -> set[str]:
    return set(re.findall(rf'data-{attribute}="([^"]+)"', page))


def test_an_officer_sees_the_users_of_its_region_only(
    campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    officer = client_for("guangdong")
    listed = _rows(officer.get("/users").text, "user")
    assert {"guangdong", "reviewer_gd", "viewer_gd", "police"} <= listed
    assert not listed & {"zhejiang", "admin", "holder", "platform"}
    assert officer.get(f"/users/{campaign.people['zhejiang'].user_id}").status_code == 404
    refused = officer.form("/users", {"username": "x", "role": "viewer"})
    assert refused.status_code == 403  # users.write is the administrators'
    admin = client_for("admin")
    assert {"zhejiang", "holder", "platform"} <= _rows(admin.get("/users").text, "user")


def test_an_admin_creates_an_officer_whose_region_lies_within_its_agency(
    web_app: FastAPI, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    admin = client_for("admin")
    outside = admin.form(
        "/users",
        {
            "username": "wrong",
            "role": "officer",
            "agency_id": campaign.agencies["gd"],
            "region_code": "330000",
        },
    )
    assert outside.status_code == 400 and "not within the agency" in outside.text
    police = admin.form(
        "/users",
        {"username": "wrong2", "role": "officer", "agency_id": campaign.agencies["police"]},
    )
    assert police.status_code == 400 and "copyright" in police.text
    created = admin.form(
        "/users",
        {
            "username": "sz-officer",
            "role": "officer",
            "agency_id": campaign.agencies["gd"],
            "region_code": SHENZHEN,
            "display_name": "Shenzhen officer",
        },
    )
    assert created.status_code == 201, created.text
    found = re.search(r'id="generated-password">([^<]+)<', created.text)
    assert found
    user_id = int(re.search(r'href="/users/(\d+)"', created.text).group(1))  # type: ignore[union-attr]
    # the new officer signs in with it (and enrols its second factor), sees Shenzhen only
    person = Person("sz-officer", found.group(1), Role.OFFICER, user_id)
    newcomer = sign_in(web_app, person)
    assert "guangdong" not in _rows(newcomer.get("/users").text, "user")
    # the guangdong officer sees the newcomer (Shenzhen is below Guangdong)
    assert "sz-officer" in _rows(client_for("guangdong").get("/users").text, "user")


def test_deactivating_ends_sessions_and_revokes_tokens(
    container: Container, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    holder = client_for("holder")
    made = holder.form("/account/tokens", {"name": "sync", "scopes": ["works.read"]})
    token = re.search(r'id="new-token">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    assert holder.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).status_code == 200
    admin = client_for("admin")
    page = admin.form(f"/users/{campaign.people['holder'].user_id}/deactivate")
    assert page.status_code == 200 and ("revoked" in page.text or "吊销" in page.text)
    assert holder.get("/", follow_redirects=False).status_code == 303  # sent to sign in
    bare = WebClient(holder.app)
    assert bare.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).status_code == 401


def test_a_password_reset_is_shown_once_and_ends_sessions(
    web_app: FastAPI, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    platform = client_for("platform")
    admin = client_for("admin")
    reset = admin.form(f"/users/{campaign.people['platform'].user_id}/reset-password")
    password = re.search(r'id="generated-password">([^<]+)<', reset.text).group(1)  # type: ignore[union-attr]
    assert platform.get("/", follow_redirects=False).status_code == 303
    person = campaign.people["platform"]
    assert sign_in(web_app, Person(person.username, password, person.role, person.user_id))
    again = admin.get(f"/users/{person.user_id}")
    assert password not in again.text


def test_a_totp_reset_makes_the_next_sign_in_enrol(
    web_app: FastAPI, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    client_for("reviewer_gd")  # enrolled
    admin = client_for("admin")
    admin.form(f"/users/{campaign.people['reviewer_gd'].user_id}/reset-totp")
    person = campaign.people["reviewer_gd"]
    old_secret = person.totp_secret
    person.totp_secret = None
    sign_in(web_app, person)  # fails unless a new secret is shown for enrolment
    assert person.totp_secret and person.totp_secret != old_secret


def test_changing_your_password_needs_the_current_one_and_ends_other_sessions(
    web_app: FastAPI, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    here, elsewhere = client_for("holder"), sign_in(web_app, campaign.people["holder"])
    wrong = here.form(
        "/account/password", {"current": "x" * 14, "new": "n" * 14, "repeat": "n" * 14}
    )
    assert wrong.status_code == 400
    person = campaign.people["holder"]
    done = here.form(
        "/account/password", {"current": person.password, "new": "n" * 14, "repeat": "n" * 14}
    )
    assert done.status_code == 200, done.text
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(web_app, Person(person.username, "n" * 14, person.role, person.user_id))


def test_sign_out_other_sessions_and_the_language_preference(
    web_app: FastAPI, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    here, elsewhere = client_for("platform"), sign_in(web_app, campaign.people["platform"])
    assert len(_rows(here.get("/account").text, "session")) == 2
    here.form("/account/sessions/end-others")
    assert elsewhere.get("/", follow_redirects=False).status_code == 303
    here.form("/account/language", {"language": "en"})
    assert here.get("/", headers={"accept-language": "zh"}).headers["content-language"] == "en"
    here.form("/account/language", {"language": "zh_CN"})
    assert here.get("/", headers={"accept-language": "en"}).headers["content-language"] == "zh-CN"


def test_tokens_get_only_the_scopes_the_role_is_granted(
    client_for: Callable[[str], WebClient],
) -> None:
    platform = client_for("platform")
    page = platform.get("/account/tokens").text
    assert 'value="notices.answer"' in page and 'value="users.write"' not in page
    refused = platform.form("/account/tokens", {"name": "x", "scopes": ["users.write"]})
    assert refused.status_code == 400
    made = platform.form("/account/tokens", {"name": "portal", "scopes": ["notices.read"]})
    token = re.search(r'id="new-token">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    bearer = {"authorization": f"Bearer {token}"}
    assert platform.get("/api/v1/me", headers=bearer).json()["token_scopes"] == ["notices.read"]
    # a token cannot mint a wider one
    wider = platform.post(
        "/api/v1/tokens", json={"name": "w", "scopes": ["notices.answer"]}, headers=bearer
    )
    assert wider.status_code == 403  # it does not even hold tokens.write
    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', made.text).group(1)  # type: ignore[union-attr]
    assert (
        platform.form(f"/account/tokens/{token_id}/revoke", follow_redirects=False).status_code
        == 303
    )
    assert platform.get("/api/v1/me", headers=bearer).status_code == 401
    # someone else's token is not visible to revoke
    other = client_for("holder")
    assert other.form(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert "portal" in client_for("admin").get("/account/tokens").text  # admins see all


def test_own_pages_wait_for_the_second_factor(web_app: FastAPI, campaign: Campaign) -> None:
    client = WebClient(web_app, base_url="http://127.0.0.1")
    client.refresh_csrf()
    person = campaign.people["guangdong"]
    client.form("/login", {"username": person.username, "password": person.password})
    answer = client.get("/account", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/totp")


def test_oidc_is_off_without_an_issuer(web_app: FastAPI) -> None:
    assert WebClient(web_app).get("/auth/oidc/login", follow_redirects=False).status_code == 404
