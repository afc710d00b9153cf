"""Agencies: the copyright administrations (national, provincial, city), the cyberspace
and telecom regulators and the police, each in a region. Shutdown requests go to the
telecom agency of the platform's region or its nearest ancestor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from swordnet.domain.kinds import AgencyKind
from swordnet.services import audit
from swordnet.services.access import Principal
from swordnet.services.parties import validation as check
from swordnet.services.parties.platforms import parse_choice, region_exists
from swordnet.services.parties.scope import open_row, scoped
from swordnet.services.parties.validation import DuplicatePartyError, PartyError
from swordnet.storage import models

AGENCY_FIELDS = ("name", "name_en", "kind", "region_code", "email", "phone", "address")


def clean_agency_fields(session: Session, given: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(AGENCY_FIELDS))
    if unknown:
        raise PartyError(f"unknown agency fields: {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in given.items():
        if name == "name":
            cleaned[name] = check.required_text("name", value)
        elif name == "kind":
            cleaned[name] = parse_choice(AgencyKind, name, value)
        elif name == "region_code":
            code = region_exists(session, value)
            if code is None:
                raise PartyError("an agency needs a region_code: the region it acts for")
            cleaned[name] = code
        elif name == "email":
            cleaned[name] = check.email(name, value)
        else:
            cleaned[name] = check.optional_text(value)
    return cleaned


def register_agency(
    session: Session,
    fields: Mapping[str, Any],
    *,
    actor: str,
    principal: Principal | None = None,
) -> models.Agency:
    cleaned = clean_agency_fields(session, fields)
    missing = [n for n in ("name", "kind", "region_code") if n not in cleaned]
    if missing:
        raise PartyError(f"an agency needs {', '.join(missing)}")
    if session.scalar(select(models.Agency.id).where(models.Agency.name == cleaned["name"])):
        raise DuplicatePartyError(f"an agency named {cleaned['name']!r} exists already")
    agency = models.Agency(**cleaned)
    session.add(agency)
    session.flush()
    audit.record(session, actor, "agency.registered", "agency", agency.id, **cleaned)
    return agency


def update_agency(
    session: Session,
    agency_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
    principal: Principal | None = None,
) -> models.Agency:
    agency: models.Agency = open_row(session, principal, "agencies.write", "agency", agency_id)
    cleaned = clean_agency_fields(session, changes)
    if "name" in cleaned:
        owner = session.scalar(
            select(models.Agency.id).where(models.Agency.name == cleaned["name"])
        )
        if owner is not None and owner != agency.id:
            raise DuplicatePartyError(f"an agency named {cleaned['name']!r} exists already")
    changed = {k: v for k, v in cleaned.items() if getattr(agency, k) != v}
    for name, value in changed.items():
        setattr(agency, name, value)
    session.flush()
    if changed:
        audit.record(session, actor, "agency.changed", "agency", agency.id, changes=changed)
    return agency


def get_agency(
    session: Session, agency_id: int, *, principal: Principal | None = None
) -> models.Agency:
    return open_row(session, principal, "agencies.read", "agency", agency_id)  # type: ignore[no-any-return]


def agencies_query(
    principal: Principal | None = None,
    *,
    kind: str | None = None,
    region_code: str | None = None,
) -> Select[Any]:
    stmt = select(models.Agency)
    if kind:
        stmt = stmt.where(models.Agency.kind == parse_choice(AgencyKind, "kind", kind))
    if region_code:
        stmt = stmt.where(models.Agency.region_code == region_code)
    return scoped(stmt, principal, "agencies.read", "agency")


def list_agencies(
    session: Session, principal: Principal | None = None, **filters: Any
) -> list[models.Agency]:
    return list(session.scalars(agencies_query(principal, **filters).order_by(models.Agency.id)))
