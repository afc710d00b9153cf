"""Bad input gets a clear answer and writes nothing: malformed forms and JSON, bodies over
the limit (declared, chunked, multipart), unknown ids, ended, expired, idle and forged
sessions, posts without the CSRF token, the wrong role; and idempotency keys on a create.

A browser gets an error page (HTML) that says what to do; an API client a problem
document (``application/problem+json`` with type, title, status and detail). The routes
exercised are a small test-only router on the real app (a create, a form, an upload, a
write that fails half-way), so that the skeleton's handling is tested whatever resources
exist."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from tests.web.conftest import WebClient, sign_in
from tests.web.routes import snapshot
from tests.web.stage import Stage, served, staged

from swordnet.domain.errors import SwordNetError
from swordnet.services.access import Principal, one_visible
from swordnet.settings import WebSettings
from swordnet.storage import models
from swordnet.web.api.common import idempotent, request_body
from swordnet.web.deps import DB, SESSION_COOKIE, requires
from swordnet.web.problems import PROBLEM_RESPONSES

JSON_LIMIT = 4096
UPLOAD_LIMIT = 64 * 1024
SLOW_CREATE_S = 0.6  # a create held open so that a concurrent retry arrives during it


class EntryCreate(BaseModel):
    domain: str = Field(min_length=3, max_length=255)
    name: str | None = Field(default=None, max_length=300)
    slow: bool = False


class EntryPublic(BaseModel):
    id: int
    domain: str


def _test_routes() -> APIRouter:
    router = APIRouter()
    api = APIRouter(prefix="/api/v1/test-entries", responses=PROBLEM_RESPONSES)

    @api.post("", status_code=201, response_model=EntryPublic)
    def create_entry(
        request: Request,
        body: EntryCreate,
        raw: Annotated[bytes, Depends(request_body)],
        principal: Annotated[Principal, Depends(requires("whitelist.write"))],
    ) -> Response:
        sessions = request.app.state.container.sessions

        def create() -> tuple[int, BaseModel]:
            if body.slow:
                time.sleep(SLOW_CREATE_S)
            with sessions() as session, session.begin():
                entry = models.WhiteListEntry(domain=body.domain, name=body.name)
                session.add(entry)
                session.flush()
                return 201, EntryPublic(id=entry.id, domain=entry.domain)

        return idempotent(sessions, principal, request, raw, create)

    @api.get("/{whitelist_id}", response_model=EntryPublic)
    def read_entry(
        whitelist_id: int,
        session: DB,
        principal: Annotated[Principal, Depends(requires("whitelist.read"))],
    ) -> EntryPublic:
        entry = one_visible(session, principal, "whitelist.read", "whitelist", whitelist_id)
        return EntryPublic(id=entry.id, domain=entry.domain)

    @api.post("/half-way", status_code=201)
    def fails_half_way(
        session: DB, principal: Annotated[Principal, Depends(requires("whitelist.write"))]
    ) -> None:
        session.add(models.WhiteListEntry(domain="half.example"))
        session.flush()  # written inside the transaction, never committed
        raise SwordNetError("the second half of this change cannot be done")

    @api.post("/upload")
    async def upload(
        file: Annotated[UploadFile, File()],
        principal: Annotated[Principal, Depends(requires("works.write"))],
    ) -> dict[str, int]:
        return {"size": len(await file.read())}

    @router.post("/test-entries")
    def create_by_form(
        session: DB,
        principal: Annotated[Principal, Depends(requires("whitelist.write"))],
        domain: Annotated[str, Form(min_length=3, max_length=255)],
        days: Annotated[int, Form(ge=1)],
    ) -> Response:
        session.add(models.WhiteListEntry(domain=domain))
        session.commit()
        return RedirectResponse("/", status_code=303)

    @router.get("/test-entries/{whitelist_id}")
    def entry_page(
        whitelist_id: int,
        session: DB,
        principal: Annotated[Principal, Depends(requires("whitelist.read"))],
    ) -> dict[str, int]:
        return {
            "id": one_visible(session, principal, "whitelist.read", "whitelist", whitelist_id).id
        }

    router.include_router(api)
    return router


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    web = WebSettings(max_json_bytes=JSON_LIMIT, max_upload_bytes=UPLOAD_LIMIT)
    with staged(tmp_path_factory.mktemp("bad") / "home", web=web) as built:
        built.app.include_router(_test_routes())
        yield built


def entries(stage: Stage) -> int:
    with stage.container.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(models.WhiteListEntry)) or 0)


def assert_problem(answer: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers
    body: dict[str, Any] = answer.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    assert body["type"].startswith("urn:swordnet:problem:"), body
    if slug:
        assert body["type"] == f"urn:swordnet:problem:{slug}", body
    return body


def assert_error_page(answer: Any, status: int, *texts: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html"), answer.headers
    page = answer.text
    assert "<html" in page.lower()
    for text in texts:
        assert text in page, f"{text!r} not on the error page"


def officer(stage: Stage) -> WebClient:
    client = stage.sessions["national"]
    client.headers["accept-language"] = "en"
    return client


# --- malformed requests -------------------------------------------------------------------


def test_malformed_json_is_a_problem_document_and_writes_nothing(stage: Stage) -> None:
    client = stage.bearer("national")
    before = snapshot(stage.container.sessions)
    broken = client.post(
        "/api/v1/test-entries",
        content=b'{"domain": "a.example",',
        headers={"content-type": "application/json"},
    )
    assert_problem(broken, 422, "invalid-request")
    wrong_types = client.post("/api/v1/test-entries", json={"domain": ["x"], "name": 5})
    body = assert_problem(wrong_types, 422, "invalid-request")
    assert {error["location"] for error in body["errors"]} >= {"body.domain", "body.name"}
    not_json = client.post(
        "/api/v1/test-entries", content=b"domain=a.example", headers={"content-type": "text/plain"}
    )
    assert_problem(not_json, 422)
    assert snapshot(stage.container.sessions) == before


def test_a_malformed_form_is_an_error_page_and_writes_nothing(stage: Stage) -> None:
    client = officer(stage)
    before = snapshot(stage.container.sessions)
    missing = client.form("/test-entries", {"domain": "a.example"})
    assert_error_page(missing, 422, "Some fields are not valid", "days")
    wrong = client.form("/test-entries", {"domain": "a.example", "days": "soon"})
    assert_error_page(wrong, 422, "Some fields are not valid")
    short = client.form("/test-entries", {"domain": "a", "days": "3"})
    assert_error_page(short, 422, "domain")
    assert snapshot(stage.container.sessions) == before
    done = client.form(
        "/test-entries", {"domain": "ok.example", "days": "3"}, follow_redirects=False
    )
    assert done.status_code == 303  # the same form, well filled, is accepted


def test_unknown_ids_and_routes_are_not_found(stage: Stage) -> None:
    api = stage.bearer("national")
    assert_problem(api.get("/api/v1/test-entries/999999"), 404, "not-found")
    assert_problem(api.get("/api/v1/test-entries/not-a-number"), 422)
    assert_problem(api.get("/api/v1/no-such-resource"), 404, "not-found")
    assert_problem(api.delete("/api/v1/test-entries/999999"), 405, "method-not-allowed")
    assert_error_page(officer(stage).get("/test-entries/999999"), 404, "Not found")
    assert_error_page(officer(stage).get("/no-such-page"), 404, "Not found")


def test_a_write_that_fails_half_way_leaves_nothing(stage: Stage) -> None:
    before = snapshot(stage.container.sessions)
    answer = stage.bearer("national").post("/api/v1/test-entries/half-way")
    assert_problem(answer, 400, "refused")
    assert "second half" in answer.json()["detail"]
    assert snapshot(stage.container.sessions) == before


# --- bodies over the limit ---------------------------------------------------------------


def test_bodies_over_the_limit_are_refused_before_they_are_read(stage: Stage) -> None:
    """On a real server: declared by Content-Length, sent chunked without one, and
    multipart uploads against their own, larger limit."""
    auth = {"Authorization": f"Bearer {stage.tokens['national']}"}
    big = b'{"domain": "' + b"a" * (JSON_LIMIT * 4) + b'.example"}'
    before = snapshot(stage.container.sessions)
    with served(stage.app) as base, httpx.Client(base_url=base, headers=auth) as client:
        declared = client.post(
            "/api/v1/test-entries", content=big, headers={"content-type": "application/json"}
        )
        assert_problem(declared, 413, "too-large")
        assert str(JSON_LIMIT) in declared.json()["detail"]

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(big), 1024):
                yield big[start : start + 1024]

        chunked = client.post(
            "/api/v1/test-entries", content=chunks(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in chunked.request.headers
        assert_problem(chunked, 413, "too-large")
        upload = client.post(
            "/api/v1/test-entries/upload",
            files={"file": ("big.bin", b"\0" * (UPLOAD_LIMIT * 2), "application/octet-stream")},
        )
        assert_problem(upload, 413, "too-large")
        # under the limits, the same calls are served
        small = client.post(
            "/api/v1/test-entries/upload",
            files={"file": ("small.bin", b"\0" * (JSON_LIMIT * 2), "application/octet-stream")},
        )
        assert small.status_code == 200 and small.json() == {"size": JSON_LIMIT * 2}
        # a browser's upload to a page gets a page, in both languages, not a JSON document
        page = client.post(
            "/works/1/references",
            files={"file": ("big.bin", b"\0" * (UPLOAD_LIMIT * 2), "application/octet-stream")},
        )
        assert page.status_code == 413
        assert page.headers["content-type"].startswith("text/html")
        assert "Too large" in page.text and "内容过大" in page.text
    assert snapshot(stage.container.sessions) == before


# --- sessions -----------------------------------------------------------------------------


def _fresh(stage: Stage, username: str = "holder") -> tuple[WebClient, int]:
    """A new session of ``username`` (no second factor needed for a rights holder)."""
    client = sign_in(stage.app, stage.campaign.people[username])
    with stage.container.sessions() as session:
        session_id = session.scalars(
            select(models.WebSession.id)
            .where(models.WebSession.user_id == stage.campaign.people[username].user_id)
            .order_by(models.WebSession.id.desc())
        ).first()
    assert session_id is not None
    return client, session_id


def _change_session(stage: Stage, session_id: int, **values: Any) -> None:
    with stage.container.sessions() as session, session.begin():
        session.execute(
            update(models.WebSession).where(models.WebSession.id == session_id).values(**values)
        )


def _sent_to_sign_in(client: WebClient) -> None:
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login"), page.text
    assert_problem(client.get("/api/v1/me"), 401, "not-signed-in")


@pytest.mark.parametrize("how", ["expired", "ended", "idle"])
def test_a_session_that_is_over_signs_no_one_in(stage: Stage, how: str) -> None:
    client, session_id = _fresh(stage)
    assert client.get("/", follow_redirects=False).status_code == 200
    now = models.utcnow()
    idle = timedelta(minutes=stage.container.settings.web.idle_minutes + 1)
    change = {
        "expired": {"expires_at": now - timedelta(seconds=1)},
        "ended": {"ended_at": now},
        "idle": {"last_seen_at": now - idle},
    }[how]
    _change_session(stage, session_id, **change)
    _sent_to_sign_in(client)
    before = entries(stage)
    answer = client.post("/api/v1/test-entries", json={"domain": "late.example"})
    assert_problem(answer, 401, "not-signed-in")
    assert entries(stage) == before


def test_a_tampered_session_cookie_signs_no_one_in(stage: Stage) -> None:
    client, _ = _fresh(stage)
    value = client.cookies[SESSION_COOKIE]
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    client.cookies.set(SESSION_COOKIE, forged, domain="127.0.0.1")
    _sent_to_sign_in(client)
    client.cookies.set(SESSION_COOKIE, "not even signed", domain="127.0.0.1")
    _sent_to_sign_in(client)


# --- CSRF and roles ------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused_and_write_nothing(stage: Stage) -> None:
    client = officer(stage)
    before = snapshot(stage.container.sessions)
    form = client.post("/test-entries", data={"domain": "csrf.example", "days": "3"})
    assert_error_page(form, 403, "This form has expired", "Reload the page")
    forged = client.post(
        "/test-entries", data={"domain": "csrf.example", "days": "3", "csrf_token": "guess"}
    )
    assert_error_page(forged, 403, "This form has expired")
    api = client.post("/api/v1/test-entries", json={"domain": "csrf.example"})
    assert_problem(api, 403, "csrf")
    wrong_header = client.post(
        "/api/v1/test-entries", json={"domain": "csrf.example"}, headers={"X-CSRF-Token": "x"}
    )
    assert_problem(wrong_header, 403, "csrf")
    assert snapshot(stage.container.sessions) == before
    accepted = client.post(
        "/api/v1/test-entries",
        json={"domain": "csrf.example"},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert accepted.status_code == 201, accepted.text


def test_the_wrong_role_is_refused_and_writes_nothing(stage: Stage) -> None:
    holder = stage.sessions["holder"]
    holder.headers["accept-language"] = "en"
    before = snapshot(stage.container.sessions)
    page = holder.form("/test-entries", {"domain": "role.example", "days": "3"})
    assert_error_page(page, 403, "Not allowed", "Ask an administrator")
    api = stage.bearer("platform").post("/api/v1/test-entries", json={"domain": "role.example"})
    assert_problem(api, 403, "forbidden")
    assert "platform" in api.json()["detail"]
    assert snapshot(stage.container.sessions) == before


# --- idempotency keys ----------------------------------------------------------------------


def test_a_retry_with_the_same_key_creates_once(stage: Stage) -> None:
    client = stage.bearer("national")
    key = {"Idempotency-Key": "retry-1"}
    before = entries(stage)
    first = client.post("/api/v1/test-entries", json={"domain": "once.example"}, headers=key)
    again = client.post("/api/v1/test-entries", json={"domain": "once.example"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    assert entries(stage) == before + 1
    other = client.post("/api/v1/test-entries", json={"domain": "other.example"}, headers=key)
    assert_problem(other, 409, "idempotency-key-reused")
    assert_problem(
        client.post(
            "/api/v1/test-entries",
            json={"domain": "x.example"},
            headers={"Idempotency-Key": "k" * 201},
        ),
        400,
        "invalid-idempotency-key",
    )
    # another user's key of the same name is another key
    admin = stage.bearer("admin").post(
        "/api/v1/test-entries", json={"domain": "other.example"}, headers=key
    )
    assert admin.status_code == 201
    assert entries(stage) == before + 2


def test_two_concurrent_retries_create_one_row(stage: Stage) -> None:
    auth = {"Authorization": f"Bearer {stage.tokens['national']}", "Idempotency-Key": "together"}
    body = {"domain": "together.example", "slow": True}
    before = entries(stage)
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)
    with served(stage.app) as base:

        def retry() -> None:
            with httpx.Client(base_url=base, headers=auth, timeout=10) as client:
                start.wait()
                answers.append(client.post("/api/v1/test-entries", json=body))

        threads = [threading.Thread(target=retry) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        with httpx.Client(base_url=base, headers=auth) as client:
            later = client.post("/api/v1/test-entries", json=body)
    assert entries(stage) == before + 1
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
    if statuses == [201, 409]:
        busy = next(a for a in answers if a.status_code == 409)
        assert_problem(busy, 409, "idempotency-key-in-use")
    created = next(a for a in answers if a.status_code == 201).json()
    assert later.status_code == 201 and later.json() == created


def test_a_number_beyond_any_id_is_malformed_not_a_crash(stage: Stage) -> None:
    huge = 2**70
    assert_problem(stage.bearer("national").get(f"/api/v1/test-entries/{huge}"), 422)
    assert_error_page(officer(stage).get(f"/test-entries/{huge}"), 422, "out of range")
