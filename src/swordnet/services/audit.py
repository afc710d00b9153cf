"""The audit trail: every action, append-only and hash-chained."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.storage.models import AuditEvent, utcnow

GENESIS = "0" * 64


def _event_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str | None,
    entity_id: int | None,
    data: dict[str, Any],
) -> str:
    canonical = json.dumps(
        [prev_hash, at.isoformat(), actor, action, entity, entity_id, data],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str | None = None,
    entity_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one event, chained to the previous one."""
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = last.hash if last is not None else GENESIS
    at = utcnow()
    clean = json.loads(json.dumps(data, default=str))
    event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        data=clean,
        prev_hash=prev_hash,
        hash=_event_hash(prev_hash, at, actor, action, entity, entity_id, clean),
    )
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> list[str]:
    """Problems found in the chain; empty when every event links to its predecessor."""
    problems: list[str] = []
    prev_hash = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        expected = _event_hash(
            prev_hash,
            event.at,
            event.actor,
            event.action,
            event.entity,
            event.entity_id,
            event.data,
        )
        if event.prev_hash != prev_hash:
            problems.append(f"event {event.id}: does not follow its predecessor")
        if event.hash != expected:
            problems.append(f"event {event.id}: content does not match its hash")
        prev_hash = event.hash
    return problems
