"""What every API resource shares: pages of results, streamed exports, idempotent creates.

Pages are keyset-paginated, newest first: ``?limit=50`` gives the first page, whose
``next`` is ``?after=<last id>&limit=50``; nothing is counted or skipped, so the 1,000th
page costs what the first does. ``stream_ndjson`` answers a whole listing one row per line
(``application/x-ndjson``), read from the database in batches, never held in memory.

A create call may carry ``Idempotency-Key``: its first answer is stored per user and key;
a retry with the same key and the same body gets that answer again and creates nothing;
the same key with another body is a conflict (409).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from fastapi import Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from pydantic_core import to_json
from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from swordnet.services.access import Principal
from swordnet.storage import models
from swordnet.web.problems import PROBLEM_MEDIA_TYPE, problem

T = TypeVar("T", bound=BaseModel)

MAX_LIMIT = 500
IDEMPOTENCY_DAYS = 7


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(description="The next page's URL, absent on the last page.")
    limit: int


class PageQuery:
    """``after`` and ``limit`` as query parameters (a dependency)."""

    def __init__(
        self,
        after: int | None = Query(default=None, ge=0, description="The last id already seen."),
        limit: int = Query(default=50, ge=1, le=MAX_LIMIT),
    ) -> None:
        self.after = after
        self.limit = limit


def paginate(
    session: Session,
    request: Request,
    stmt: Select[Any],
    id_column: Any,
    page: PageQuery,
    to_public: Callable[[Any], T],
    *,
    columns: bool = False,
) -> Page[T]:
    """One page of ``stmt`` (already scoped to what the caller may see), newest first.

    ``columns``: ``stmt`` selects plain columns (``to_public`` gets each row, which has
    an ``id``) rather than one ORM entity."""
    if page.after is not None:
        stmt = stmt.where(id_column < page.after)
    ordered = stmt.order_by(id_column.desc()).limit(page.limit + 1)
    rows = session.execute(ordered).all() if columns else session.scalars(ordered).all()
    items = [to_public(row) for row in rows[: page.limit]]
    following = None
    if len(rows) > page.limit:
        last = rows[page.limit - 1].id
        following = str(request.url.include_query_params(after=last, limit=page.limit))
    return Page[Any](items=items, next=following, limit=page.limit)


def stream_ndjson(
    sessions: sessionmaker[Session],
    stmt: Select[Any],
    to_public: Callable[[Any], BaseModel],
    *,
    batch: int = 1000,
) -> StreamingResponse:
    """Every row of ``stmt`` as one JSON line each, fetched ``batch`` rows at a time."""

    def lines() -> Iterator[bytes]:
        with sessions() as session:
            result = session.execute(stmt.execution_options(yield_per=batch)).scalars()
            for rows in result.partitions():  # one chunk per batch, not one per row
                yield b"".join(to_public(row).model_dump_json().encode() + b"\n" for row in rows)
                session.expunge_all()

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def stream_rows_ndjson(
    sessions: sessionmaker[Session],
    stmt: Select[Any],
    to_dict: Callable[[Any], dict[str, Any]],
    *,
    batch: int = 1000,
) -> StreamingResponse:
    """Every row of ``stmt`` (plain columns, no ORM objects) as one JSON line each.

    For exports of a million rows: the rows are read ``batch`` at a time from a server-side
    cursor, written by pydantic's serialiser (the JSON a model would give, without
    building a model per row), and sent one batch per chunk."""

    def lines() -> Iterator[bytes]:
        with sessions() as session:
            result = session.execute(stmt.execution_options(yield_per=batch))
            for rows in result.partitions():
                yield b"".join(to_json(to_dict(row)) + b"\n" for row in rows)

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def _request_digest(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def request_body(request: Request) -> bytes:
    return await request.body()


def idempotent(
    sessions: sessionmaker[Session],
    principal: Principal,
    request: Request,
    body: bytes,
    create: Callable[[], tuple[int, BaseModel]],
) -> JSONResponse:
    """Run ``create`` once per ``Idempotency-Key`` (if given) and answer its result.

    ``create`` does the work in its own transaction and returns (status, body)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        status, payload = create()
        return JSONResponse(payload.model_dump(mode="json"), status_code=status)
    if not key or len(key) > 200:
        body_problem = problem(
            "invalid-idempotency-key", "Bad Idempotency-Key", 400, "use 1 to 200 characters"
        )
        return JSONResponse(
            body_problem.model_dump(exclude_none=True), 400, media_type=PROBLEM_MEDIA_TYPE
        )
    digest = _request_digest(request.method, request.url.path, body)
    now = datetime.now(UTC)
    # claim the key first (status 0: in progress), so that of two concurrent retries
    # exactly one runs ``create``
    try:
        with sessions() as session, session.begin():
            session.execute(
                delete(models.IdempotencyRecord).where(
                    models.IdempotencyRecord.created_at < now - timedelta(days=IDEMPOTENCY_DAYS)
                )
            )
            claim = models.IdempotencyRecord(
                user_id=principal.user_id,
                key=key,
                method=request.method,
                path=request.url.path,
                request_sha256=digest,
                status_code=0,
                response={},
                created_at=now,
            )
            session.add(claim)
            session.flush()
            claim_id = claim.id
    except IntegrityError:
        return _replay(sessions, principal, key, digest)
    try:
        status, payload = create()
    except BaseException:
        with sessions() as session, session.begin():
            session.execute(
                delete(models.IdempotencyRecord).where(models.IdempotencyRecord.id == claim_id)
            )
        raise
    answer = json.loads(payload.model_dump_json())
    with sessions() as session, session.begin():
        record = session.get(models.IdempotencyRecord, claim_id)
        if record is not None:
            record.status_code, record.response = status, answer
    return JSONResponse(answer, status_code=status)


def _replay(
    sessions: sessionmaker[Session], principal: Principal, key: str, digest: str
) -> JSONResponse:
    with sessions() as session:
        stored = session.scalars(
            select(models.IdempotencyRecord).where(
                models.IdempotencyRecord.user_id == principal.user_id,
                models.IdempotencyRecord.key == key,
            )
        ).first()
    if stored is None or stored.status_code == 0:
        busy = problem(
            "idempotency-key-in-use",
            "Request in progress",
            409,
            "a request with this Idempotency-Key is still being processed; retry shortly",
        )
        return JSONResponse(busy.model_dump(exclude_none=True), 409, media_type=PROBLEM_MEDIA_TYPE)
    if stored.request_sha256 != digest:
        conflict = problem(
            "idempotency-key-reused",
            "Idempotency-Key reused",
            409,
            "this key was used for a different request; use a new key",
        )
        return JSONResponse(
            conflict.model_dump(exclude_none=True), 409, media_type=PROBLEM_MEDIA_TYPE
        )
    return JSONResponse(
        stored.response, stored.status_code, headers={"Idempotent-Replayed": "true"}
    )
