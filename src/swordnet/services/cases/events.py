"""Every change to a case goes through ``case_event``: one row in the case's timeline and
one audit event, in the caller's transaction, under the real user's name.

This is the one place a case's history is written, so that whatever else must see each
change (the evidence ledger's leaves) is written here and nowhere else.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from swordnet.services import audit, ledger
from swordnet.storage import models


def case_event(
    session: Session,
    case: models.Case,
    kind: str,
    data: dict[str, Any],
    actor: str,
    *,
    at: datetime | None = None,
) -> models.CaseEvent:
    """Record that ``actor`` did ``kind`` to ``case`` (``data``: what changed, as JSON).

        The audit trail gets ``case.<kind>`` on the case and the evidence ledger a
    ``case.event`` leaf (found by the case id), both when the transaction commits."""
    if case.id is None:
        session.flush()
    clean: dict[str, Any] = json.loads(json.dumps(data, default=str))
    event = models.CaseEvent(
        case_id=case.id, kind=kind, data=clean, actor=actor, at=at or models.utcnow()
    )
    session.add(event)
    session.flush()
    audit.record(session, actor, f"case.{kind}", "enforcement_case", case.id, **clean)
    ledger.record(
        session,
        "case.event",
        {
            "id": event.id,
            "case_id": case.id,
            "kind": kind,
            "actor": actor,
            "at": event.at.isoformat(),
            "data": clean,
        },
        ref=case.id,  # leaves_for("case.event", case_id): the case's whole history
    )
    return event
