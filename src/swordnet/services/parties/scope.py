"""The policy applied to parties' records: which rows a caller reaches, and whether a
region a record is put in lies within the caller's.

``principal`` is None for the command line, which runs with the operator's full authority
(it has no accounts to check; the audit trail names the CLI user)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from swordnet.domain.policy import ACTIONS, Scope
from swordnet.services.access import (
    Forbidden,
    NotVisible,
    Principal,
    one_visible,
    scope_for,
    visible,
)
from swordnet.storage import models


def scoped(stmt: Select[Any], principal: Principal | None, action: str, kind: str) -> Select[Any]:
    return stmt if principal is None else visible(stmt, principal, action, kind)


def open_row(
    session: Session, principal: Principal | None, action: str, kind: str, row_id: Any
) -> Any:
    """The row, if the caller's ``action`` reaches it; ``NotVisible`` otherwise."""
    if principal is not None:
        return one_visible(session, principal, action, kind, row_id)
    model = {"platform": models.Platform, "holder": models.RightsHolder, "agency": models.Agency}[
        kind
    ]
    row = session.get(model, row_id)
    if row is None:
        raise NotVisible(f"no {kind} {row_id}")
    return row


def require_region_in_scope(
    session: Session, principal: Principal | None, action: str, region_code: str | None
) -> None:
    """Refuse to put a record in a region outside the caller's (``action``'s scope is
    ``region``); a caller with the ``all`` scope may use any region."""
    if principal is None:
        return
    scope = scope_for(principal, action)
    if scope is Scope.ALL or (scope is Scope.REGION and principal.nationwide):
        return
    if scope is not Scope.REGION:
        raise Forbidden(
            f"a {principal.role.value} may not {ACTIONS[action]} beyond its own record",
            action=action,
        )
    path = (
        session.scalar(select(models.Region.path).where(models.Region.code == region_code))
        if region_code
        else None
    )
    if path is None or principal.region_path is None or not path.startswith(principal.region_path):
        where = f"region {region_code}" if region_code else "no region"
        raise Forbidden(
            f"you may {ACTIONS[action]} in region {principal.region_code} and below only; "
            f"{where} is outside it: choose a region of yours",
            action=action,
        )


def require_all_scope(principal: Principal | None, action: str) -> None:
    """Creating a record of a kind one is scoped to (a rights holder's own) needs ``all``."""
    if principal is None:
        return
    if scope_for(principal, action) is not Scope.ALL:
        raise Forbidden(
            f"a {principal.role.value} may change its own record but not register a new one",
            action=action,
        )
