"""Rights holders and collective management organisations: who they are, how to reach
them, and the agents who may act for them. Notices print this contact block."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from swordnet.domain.kinds import HolderKind
from swordnet.services import audit
from swordnet.services.access import Principal
from swordnet.services.parties import validation as check
from swordnet.services.parties.platforms import parse_choice, region_exists
from swordnet.services.parties.scope import open_row, require_all_scope, scoped
from swordnet.services.parties.validation import DuplicatePartyError, PartyError
from swordnet.storage import models

HOLDER_FIELDS = (
    "name",
    "kind",
    "contact_name",
    "email",
    "phone",
    "address",
    "country",
    "region_code",
    "website",
    "agents",
)
AGENT_FIELDS = ("name", "email", "phone", "mandate", "valid_until")


def clean_agent(given: Mapping[str, Any]) -> dict[str, Any]:
    """One authorised agent: a name, how to reach them, what they may do, until when."""
    unknown = sorted(set(given) - set(AGENT_FIELDS))
    if unknown:
        raise PartyError(f"unknown agent fields: {', '.join(unknown)}")
    return {
        "name": check.required_text("agent name", given.get("name")),
        "email": check.email("agent email", given.get("email")),
        "phone": check.optional_text(given.get("phone")),
        "mandate": check.optional_text(given.get("mandate")),
        "valid_until": check.iso_date("agent valid_until", given.get("valid_until")),
    }


def clean_holder_fields(session: Session, given: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(HOLDER_FIELDS))
    if unknown:
        raise PartyError(f"unknown rights holder fields: {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in given.items():
        if name == "name":
            cleaned[name] = check.required_text("name", value)
        elif name == "kind":
            cleaned[name] = parse_choice(HolderKind, name, value)
        elif name == "email":
            cleaned[name] = check.email(name, value)
        elif name == "country":
            cleaned[name] = check.country(value)
        elif name == "region_code":
            cleaned[name] = region_exists(session, value)
        elif name == "website":
            cleaned[name] = check.url(name, value)
        elif name == "agents":
            cleaned[name] = [clean_agent(agent) for agent in (value or [])]
        else:
            cleaned[name] = check.optional_text(value)
    return cleaned


def _refuse_taken_name(session: Session, name: str, holder_id: int | None) -> None:
    owner = session.scalar(select(models.RightsHolder.id).where(models.RightsHolder.name == name))
    if owner is not None and owner != holder_id:
        raise DuplicatePartyError(
            f"rights holder {owner} is named {name!r} already: change that one "
            f"(swordnet holders edit {owner})"
        )


def register_holder(
    session: Session,
    fields: Mapping[str, Any],
    *,
    actor: str,
    principal: Principal | None = None,
) -> models.RightsHolder:
    require_all_scope(principal, "holders.write")
    cleaned = clean_holder_fields(session, fields)
    if "name" not in cleaned:
        raise PartyError("a rights holder needs a name")
    _refuse_taken_name(session, cleaned["name"], None)
    holder = models.RightsHolder(**cleaned)
    session.add(holder)
    session.flush()
    audit.record(session, actor, "holder.registered", "rights_holder", holder.id, **cleaned)
    return holder


def update_holder(
    session: Session,
    holder_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
    principal: Principal | None = None,
) -> models.RightsHolder:
    holder: models.RightsHolder = open_row(session, principal, "holders.write", "holder", holder_id)
    cleaned = clean_holder_fields(session, changes)
    if "name" in cleaned:
        _refuse_taken_name(session, cleaned["name"], holder.id)
    changed = {k: v for k, v in cleaned.items() if getattr(holder, k) != v}
    for name, value in changed.items():
        setattr(holder, name, value)
    session.flush()
    if changed:
        audit.record(session, actor, "holder.changed", "rights_holder", holder.id, changes=changed)
    return holder


def add_agent(
    session: Session,
    holder_id: int,
    agent: Mapping[str, Any],
    *,
    actor: str,
    principal: Principal | None = None,
) -> models.RightsHolder:
    holder: models.RightsHolder = open_row(session, principal, "holders.write", "holder", holder_id)
    cleaned = clean_agent(agent)
    holder.agents = [*holder.agents, cleaned]  # a new list: the JSON column sees the change
    session.flush()
    audit.record(session, actor, "holder.agent_added", "rights_holder", holder.id, agent=cleaned)
    return holder


def get_holder(
    session: Session, holder_id: int, *, principal: Principal | None = None
) -> models.RightsHolder:
    return open_row(session, principal, "holders.read", "holder", holder_id)  # type: ignore[no-any-return]


def find_holder(session: Session, id_or_name: str) -> models.RightsHolder:
    if id_or_name.isdigit():
        found = session.get(models.RightsHolder, int(id_or_name))
    else:
        found = session.scalars(
            select(models.RightsHolder).where(models.RightsHolder.name == id_or_name.strip())
        ).first()
    if found is None:
        raise PartyError(f"no rights holder {id_or_name!r}: see `swordnet holders list`")
    return found


def holders_query(
    principal: Principal | None = None,
    *,
    kind: str | None = None,
    region_code: str | None = None,
    search: str | None = None,
) -> Select[Any]:
    stmt = select(models.RightsHolder)
    if kind:
        stmt = stmt.where(models.RightsHolder.kind == parse_choice(HolderKind, "kind", kind))
    if region_code:
        stmt = stmt.where(models.RightsHolder.region_code == region_code)
    if search:
        stmt = stmt.where(func.lower(models.RightsHolder.name).like(f"%{search.strip().lower()}%"))
    return scoped(stmt, principal, "holders.read", "holder")


def list_holders(
    session: Session, principal: Principal | None = None, **filters: Any
) -> list[models.RightsHolder]:
    return list(
        session.scalars(holders_query(principal, **filters).order_by(models.RightsHolder.id))
    )


def active_agents(agents: Sequence[Mapping[str, Any]], today: str) -> list[Mapping[str, Any]]:
    """The agents whose mandate has not ended by ``today`` (ISO date)."""
    return [a for a in agents if not a.get("valid_until") or str(a["valid_until"]) >= today]
