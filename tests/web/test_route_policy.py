"""Every route of the app against every person of a campaign: a route without a policy
fails; a role the policy does not grant a route's action never gets data from it; a scoped
role never gets a row outside its scope; a refused call writes nothing.

The routes are whatever ``create_app`` includes when the test runs: a new page or API
module is walked the day it is added. Path parameters named ``{<kind>_id}`` (a kind of
``services.access.ROW_MODELS``) and ``{region_code}`` are filled with seeded rows: the
``gd`` side's (Guangdong, ``star``, ``videosite``, referred to the police) or the ``zj``
side's, which no one in ``OUTSIDERS`` may reach."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.routes import (
    EXEMPT,
    UNSAFE,
    Endpoint,
    endpoints,
    fill,
    listed_kind,
    request_body,
    scoped_kinds,
    snapshot,
    undeclared,
)
from tests.web.stage import OUTSIDERS, Stage, staged

from swordnet.domain.policy import POLICY, Scope
from swordnet.web.deps import Public

SIGN_IN_REDIRECTS = ("/login", "/auth/totp")


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with staged(tmp_path_factory.mktemp("policy") / "home") as built:
        yield built


def _call(client: TestClient, endpoint: Endpoint, path: str, *, csrf: str | None = None) -> Any:
    kwargs: dict[str, Any] = {"follow_redirects": False}
    if endpoint.method in UNSAFE:
        kwargs.update(request_body(endpoint))
        if csrf is not None:
            if "data" in kwargs:
                kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
            else:
                kwargs["headers"] = {"X-CSRF-Token": csrf}
    return client.request(endpoint.method, path, **kwargs)


def _refused(endpoint: Endpoint, answer: Any) -> bool:
    """403 or 404 (a page may also send the caller to sign in)."""
    if answer.status_code in (403, 404):
        return True
    location = answer.headers.get("location", "")
    return not endpoint.api and answer.status_code == 303 and location.startswith(SIGN_IN_REDIRECTS)


def _scope(username: str, stage: Stage, action: str) -> Scope | None:
    return POLICY[stage.campaign.people[username].role].get(action)


def test_every_route_declares_its_policy(stage: Stage) -> None:
    missing = undeclared(stage.app)
    assert not missing, (
        "routes without a policy (add Depends(requires(...)), signed_in() or public(...), "
        f"or, for a very good reason, an entry in EXEMPT): {missing}"
    )
    assert len(EXEMPT) <= 5, "the exemptions stay a tiny, explained list"
    walked = {str(endpoint) for endpoint in endpoints(stage.app)}
    assert {"GET /", "GET /api/v1/me", "POST /login"} <= walked, "the walk finds the routes"


def test_a_stranger_gets_nothing_but_public_routes(stage: Stage) -> None:
    assert stage.anonymous is not None
    wrong = []
    for endpoint in endpoints(stage.app):
        if isinstance(endpoint.policy, Public):
            continue
        path = fill(endpoint, stage.rows, "gd")
        answer = _call(stage.anonymous, endpoint, path)
        expected = (
            answer.status_code == 401
            if endpoint.api
            else answer.status_code == 303 and answer.headers["location"].startswith("/login")
        )
        if not expected:
            wrong.append(f"{endpoint} as a stranger: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


def _check_refusals(stage: Stage, via: str) -> list[str]:
    """Every role not granted a route's action is refused, and nothing is written."""
    wrong = []
    for endpoint in endpoints(stage.app):
        action = endpoint.action
        if action is None or (via == "token" and not endpoint.api):
            continue
        path = fill(endpoint, stage.rows, "gd")
        for username, person in stage.campaign.people.items():
            if action in POLICY[person.role]:
                continue
            if via == "session":
                client: TestClient = stage.sessions[username]
                csrf: str | None = stage.sessions[username].csrf
            else:
                client, csrf = stage.bearer(username), None
            before = snapshot(stage.container.sessions) if endpoint.method in UNSAFE else None
            answer = _call(client, endpoint, path, csrf=csrf)
            if not _refused(endpoint, answer):
                wrong.append(
                    f"{endpoint} ({action}) as {username} ({person.role.value}, {via}): "
                    f"{answer.status_code}, expected 403 or 404"
                )
            if before is not None and snapshot(stage.container.sessions) != before:
                wrong.append(f"{endpoint} as {username} ({via}): refused, but the data changed")
    return wrong


def test_a_role_not_granted_the_action_is_refused_in_the_browser(stage: Stage) -> None:
    wrong = _check_refusals(stage, "session")
    assert not wrong, "\n".join(wrong)


def test_a_role_not_granted_the_action_is_refused_through_the_api(stage: Stage) -> None:
    wrong = _check_refusals(stage, "token")
    assert not wrong, "\n".join(wrong)


def test_a_token_without_the_scope_is_refused(stage: Stage) -> None:
    """The administrator's token with one scope reaches nothing else."""
    from datetime import UTC, datetime

    from swordnet.services import credentials

    admin = stage.campaign.people["admin"]
    _, narrow = credentials.create_token(
        stage.container.sessions,
        admin.user_id,
        name="regions only",
        scopes=["regions.read"],
        actor="test",
        now=datetime.now(UTC),
    )
    client = TestClient(stage.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {narrow}"
    wrong = []
    for endpoint in endpoints(stage.app):
        if not endpoint.api or endpoint.action in (None, "regions.read"):
            continue
        before = snapshot(stage.container.sessions) if endpoint.method in UNSAFE else None
        answer = _call(client, endpoint, fill(endpoint, stage.rows, "gd"))
        if answer.status_code != 403:
            wrong.append(
                f"{endpoint} ({endpoint.action}) with a regions.read token: "
                f"{answer.status_code}, expected 403"
            )
        elif answer.json().get("type") != "urn:swordnet:problem:forbidden":
            wrong.append(f"{endpoint}: 403 without the forbidden problem document")
        if before is not None and snapshot(stage.container.sessions) != before:
            wrong.append(f"{endpoint} with a regions.read token: refused, but the data changed")
    assert not wrong, "\n".join(wrong)


def _outside_calls(stage: Stage, via: str) -> tuple[list[str], int]:
    """Scoped people on the other side's rows: never 2xx, nothing written; their lists
    never show the other side's row. Returns the failures and how many calls were made."""
    wrong: list[str] = []
    made = 0
    for endpoint in endpoints(stage.app):
        action = endpoint.action
        if action is None or (via == "token" and not endpoint.api):
            continue
        kinds = scoped_kinds(endpoint, stage.rows)
        listing = listed_kind(endpoint)
        if not kinds and listing is None:
            continue
        for username in OUTSIDERS:
            scope = _scope(username, stage, action)
            if scope is None or scope is Scope.ALL:
                continue
            if via == "session":
                client: TestClient = stage.sessions[username]
                csrf: str | None = stage.sessions[username].csrf
            else:
                client, csrf = stage.bearer(username), None
            made += 1
            who = f"{endpoint} ({action}, {scope.value}) as {username} ({via})"
            if kinds:
                before = snapshot(stage.container.sessions) if endpoint.method in UNSAFE else None
                answer = _call(client, endpoint, fill(endpoint, stage.rows, "zj"), csrf=csrf)
                location = answer.headers.get("location", "")
                if 200 <= answer.status_code < 300 or (
                    300 <= answer.status_code < 400 and not location.startswith(SIGN_IN_REDIRECTS)
                ):
                    wrong.append(
                        f"{who} on the other province's {'/'.join(kinds)}: "
                        f"{answer.status_code}, expected 404"
                    )
                if before is not None and snapshot(stage.container.sessions) != before:
                    wrong.append(f"{who} on the other province's rows: the data changed")
            else:
                assert listing is not None
                answer = _call(client, endpoint, endpoint.path, csrf=csrf)
                other = stage.rows[listing]["zj"]
                if answer.status_code >= 500:
                    wrong.append(f"{who}: {answer.status_code}")
                elif answer.status_code == 200 and _lists(answer, endpoint, other):
                    wrong.append(f"{who}: the list shows the other province's {listing} {other}")
    return wrong, made


def _lists(answer: Any, endpoint: Endpoint, row_id: Any) -> bool:
    kind = answer.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = answer.json()
        items = body.get("items", []) if isinstance(body, dict) else body
        return any(isinstance(item, dict) and item.get("id") == row_id for item in items)
    if kind.startswith("text/html"):
        return f'href="{endpoint.path.rstrip("/")}/{row_id}"' in answer.text
    return False


def test_scoped_roles_never_reach_another_scope_in_the_browser(stage: Stage) -> None:
    wrong, _made = _outside_calls(stage, "session")
    assert not wrong, "\n".join(wrong)


def test_scoped_roles_never_reach_another_scope_through_the_api(stage: Stage) -> None:
    wrong, _made = _outside_calls(stage, "token")
    assert not wrong, "\n".join(wrong)


def test_granted_reads_answer_without_crashing(stage: Stage) -> None:
    """Every role reading what it is granted, on its own side's rows: no 5xx."""
    wrong = []
    for endpoint in endpoints(stage.app):
        if endpoint.method != "GET" or endpoint.action is None:
            continue
        path = fill(endpoint, stage.rows, "gd")
        for username, person in stage.campaign.people.items():
            if endpoint.action not in POLICY[person.role]:
                continue
            answer = _call(stage.sessions[username], endpoint, path)
            if answer.status_code >= 500:
                wrong.append(f"{endpoint} as {username}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
