"""The audit trail: every action, append-only and hash-chained.

``record`` does not write at once: the events of a transaction are appended when it
commits (and vanish with it when it rolls back, like the action they describe). The
append locks the chain's head row first, so any number of processes and threads can
commit at the same time and the chain stays one line: on PostgreSQL by ``SELECT ... FOR
UPDATE`` on that row; on SQLite by writing to it, which takes the database's write lock.
Taking the lock last, at commit, keeps it for the shortest time and out of every other
lock order (no deadlock). After the commit the new head is signed into the checkpoint
beside the database (``services.audit_checkpoint``), so that a rewrite of the rows from
inside the database is found by ``verify_chain``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from swordnet.storage.models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64
_PENDING = "swordnet.audit.pending"
_COMMITTING = "swordnet.audit.committing"
CHECKPOINT_INFO = "swordnet.audit.checkpoint"  # session.info key of the AuditCheckpoint


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    event_id: int | None
    hash: str


@dataclass(frozen=True, slots=True)
class _Pending:
    at: datetime
    actor: str
    action: str
    entity: str | None
    entity_id: int | None
    data: dict[str, Any]


def event_hash(
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
) -> None:
    """Note one event; it is chained and stored when the session's transaction commits."""
    clean = json.loads(json.dumps(data, default=str))
    pending: list[_Pending] = session.info.setdefault(_PENDING, [])
    pending.append(_Pending(utcnow(), actor, action, entity, entity_id, clean))


def _lock_head(session: Session) -> ChainHead:
    if session.get_bind().dialect.name == "sqlite":
        # a write takes SQLite's one write lock until commit; a SELECT alone would not
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    row = session.execute(
        select(AuditHead.seq, AuditHead.event_id, AuditHead.hash)
        .where(AuditHead.id == 1)
        .with_for_update()
    ).first()
    if row is None:  # a database whose head row was never written: start the chain
        session.add(AuditHead(id=1, seq=0, event_id=None, hash=GENESIS))
        session.flush()
        return ChainHead(0, None, GENESIS)
    return ChainHead(int(row.seq), row.event_id, str(row.hash))


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    head = _lock_head(session)
    seq, prev_hash, last = head.seq, head.hash, None
    for item in pending:
        seq += 1
        digest = event_hash(
            prev_hash, item.at, item.actor, item.action, item.entity, item.entity_id, item.data
        )
        last = AuditEvent(
            seq=seq,
            at=item.at,
            actor=item.actor,
            action=item.action,
            entity=item.entity,
            entity_id=item.entity_id,
            data=item.data,
            prev_hash=prev_hash,
            hash=digest,
        )
        session.add(last)
        session.flush()  # one at a time: the database checks each against the head
        prev_hash = digest
    assert last is not None
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=seq, event_id=last.id, hash=prev_hash)
    )
    session.info[_COMMITTING] = ChainHead(seq, last.id, prev_hash)


@event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    head: ChainHead | None = session.info.pop(_COMMITTING, None)
    checkpoint = session.info.get(CHECKPOINT_INFO)
    if head is not None and checkpoint is not None:
        checkpoint.advance(head)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_COMMITTING, None)


def current_head(session: Session) -> ChainHead:
    """The newest event of the chain as the rows say (not the head row, which can lie)."""
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.id, AuditEvent.hash)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return ChainHead(0, None, GENESIS) if row is None else ChainHead(row.seq, row.id, row.hash)


def verify_chain(session: Session) -> list[str]:
    """Problems found in the chain; empty when every event links to its predecessor.

    A missing table or column is a problem too (reported, never a traceback).
    """
    problems: list[str] = []
    prev_hash, expected_seq = GENESIS, 1
    try:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        for item in events:
            expected = event_hash(
                prev_hash,
                item.at,
                item.actor,
                item.action,
                item.entity,
                item.entity_id,
                item.data,
            )
            if item.seq != expected_seq:
                problems.append(
                    f"event {item.id}: sequence number {item.seq} where {expected_seq} "
                    "was due: events are missing"
                )
            if item.prev_hash != prev_hash:
                problems.append(f"event {item.id}: does not follow its predecessor")
            if item.hash != expected:
                problems.append(f"event {item.id}: content does not match its hash")
            prev_hash, expected_seq = item.hash, item.seq + 1
    except DBAPIError as exc:
        session.rollback()
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
        problems.append(f"the audit trail cannot be read: {reason}")
    return problems
