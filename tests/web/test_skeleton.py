"""The skeleton every page stands on: sign-in, the second factor, CSRF, languages,
errors as problem documents, the body limit."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import Campaign, WebClient


def test_pages_send_a_stranger_to_sign_in(web_app: FastAPI) -> None:
    client = TestClient(web_app)
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/"


def test_an_officer_needs_the_second_factor_before_anything(
    web_app: FastAPI, campaign: Campaign, client_for: Callable[[str], WebClient]
) -> None:
    client = client_for("guangdong")
    page = client.get("/")
    assert page.status_code == 200
    assert "Dashboard" in page.text or "仪表盘" in page.text


def test_a_form_without_the_csrf_token_is_refused(client_for: Callable[[str], WebClient]) -> None:
    client = client_for("holder")
    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    done = client.form("/logout", follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_password_is_refused_without_saying_which_part(
    web_app: FastAPI, campaign: Campaign
) -> None:
    client = WebClient(web_app)
    client.refresh_csrf()
    known = client.form("/login", {"username": "holder", "password": "x" * 14})
    unknown = client.form("/login", {"username": "nobody", "password": "x" * 14})
    assert known.status_code == unknown.status_code == 401
    assert "Wrong user name or password" in known.text or "用户名或密码错误" in known.text


def test_language_is_chosen_and_switchable(client_for: Callable[[str], WebClient]) -> None:
    client = client_for("holder")
    assert client.get("/", headers={"accept-language": "en"}).headers["content-language"] == "en"
    client.get("/language/zh_CN?next=/")
    assert client.get("/", headers={"accept-language": "en"}).headers["content-language"] == "zh-CN"


def test_api_errors_are_problem_documents(web_app: FastAPI) -> None:
    client = TestClient(web_app)
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"] == "urn:swordnet:problem:not-found"


def test_an_open_redirect_is_not_followed(web_app: FastAPI) -> None:
    client = TestClient(web_app)
    answer = client.get("/language/en?next=//evil.example/", follow_redirects=False)
    assert answer.headers["location"] == "/"
