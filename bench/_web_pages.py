"""Which pages the web benchmark times, and the queries each costs.

A page kind is timed over HTTP only when the app has its route: the review queue, the
detection page, the notices list and the API's detection listing and export are being
built; until they are merged the run says so and times what exists (the dashboard,
``/api/v1/me``) and the services' scoped queries directly.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Match, Mount

from swordnet.services import credentials
from swordnet.services.access import Principal, allowed
from swordnet.storage import models
from swordnet.web.deps import SESSION_COOKIE

# kind: (route path as the app declares it, the action it needs, the URL to request)
ROUTES: dict[str, tuple[str, str]] = {
    "dashboard /": ("/", "dashboard.read"),
    "api /me": ("/api/v1/me", "dashboard.read"),
    "review /review": ("/review", "detections.review"),
    "detection /detections/{id}": ("/detections/{detection_id}", "detections.read"),
    "notices /notices": ("/notices", "notices.read"),
    "api /detections": ("/api/v1/detections", "detections.read"),
}
EXPORT_ROUTE = "/api/v1/detections/export"


def has_route(app: FastAPI, path: str) -> bool:
    """Does the app answer GET ``path``? API routes are read from the OpenAPI schema
    (exact paths); pages, left out of it, by asking the router to match one."""
    if path.startswith("/api/"):
        return path in app.openapi().get("paths", {})
    probe = path.replace("{detection_id}", "1")
    scope = {"type": "http", "path": probe, "method": "GET", "root_path": "", "headers": []}
    for route in app.router.routes:
        if isinstance(route, Mount):
            continue  # /static
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return True
    return False


def available(app: FastAPI) -> tuple[list[str], list[str]]:
    """(kinds whose route exists, kinds still missing)."""
    present = [kind for kind, (path, _) in ROUTES.items() if has_route(app, path)]
    return present, [kind for kind in ROUTES if kind not in present]


@dataclass
class Targets:
    """What a user's requests point at: detections it may open, keyset cursors."""

    detection_ids: list[int]
    api_afters: list[int | None]


def url_maker(kind: str, targets: Targets, rng: random.Random) -> Callable[[], str]:
    if kind.startswith("detection "):
        return lambda: f"/detections/{rng.choice(targets.detection_ids)}"
    if kind == "api /detections":

        def listing() -> str:
            after = rng.choice(targets.api_afters)
            return "/api/v1/detections?limit=50" + (f"&after={after}" if after else "")

        return listing
    return lambda: ROUTES[kind][0]


def kinds_for(principal: Principal, kinds: list[str], targets: Targets) -> list[str]:
    chosen = []
    for kind in kinds:
        action = ROUTES[kind][1]
        if not allowed(principal, action):
            continue
        if kind.startswith("detection ") and not targets.detection_ids:
            continue
        chosen.append(kind)
    return chosen


def signed_in_client(app: FastAPI, sessions: sessionmaker[Session], user_id: int) -> Any:
    """An in-process client holding a web session with the second factor done (for
    counting queries; the load test signs in through the pages)."""
    now = datetime.now(UTC)
    token, _csrf = credentials.start_session(sessions, user_id, source="bench", now=now, hours=1)
    with sessions() as session:
        session_id = session.scalar(
            select(models.WebSession.id).where(
                models.WebSession.token_sha256 == credentials.token_digest(token)
            )
        )
    assert session_id is not None
    credentials.mark_second_factor(sessions, session_id, now=now)
    with warnings.catch_warnings():
        # fastapi.testclient re-exports Starlette's, which warns about its httpx backend
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set(SESSION_COOKIE, app.state.cookie_signer.dumps(token))
    return client
