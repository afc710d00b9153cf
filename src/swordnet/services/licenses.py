"""Licenses: who may use a work, where and until when. A detection a license covers is
authorised at the next check (``services.enforcement.authorisation``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import NotFoundError
from swordnet.services import audit
from swordnet.services.enforcement.authorisation import Added, redecide_detections
from swordnet.storage import models


@dataclass(frozen=True)
class LicenseTerms:
    """What a license grants; empty lists mean "not restricted by this" except ``domains``,
    ``platform_ids`` and ``accounts``, which together say where the use is licensed."""

    work_id: int
    licensee: str
    domains: list[str] = field(default_factory=list)
    platform_ids: list[int] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    territory: list[str] = field(default_factory=list)  # ISO 3166 codes; empty: the world
    rights: list[str] = field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    document_ref: str | None = None


@dataclass(frozen=True)
class LicenseSummary:
    id: int
    work_title: str
    licensee: str
    places: list[str]  # domains, "platform N", accounts
    territory: list[str]
    starts_on: date | None
    ends_on: date | None


def add_license(sessions: sessionmaker[Session], terms: LicenseTerms, *, actor: str) -> Added:
    """Store a license and its audit event in one transaction, and decide again
    the unnoticed detections of its work (they may be authorised now)."""
    with sessions() as session, session.begin():
        if session.get(models.Work, terms.work_id) is None:
            raise NotFoundError(f"no work with id {terms.work_id}")
        record = models.License(
            work_id=terms.work_id,
            licensee=terms.licensee,
            domains=terms.domains,
            platform_ids=terms.platform_ids,
            accounts=terms.accounts,
            territory=terms.territory,
            rights=terms.rights,
            starts_on=terms.starts_on,
            ends_on=terms.ends_on,
            document_ref=terms.document_ref,
        )
        session.add(record)
        session.flush()
        audit.record(
            session,
            actor,
            "license.added",
            "license",
            record.id,
            work_id=terms.work_id,
            licensee=terms.licensee,
            domains=terms.domains,
        )
        redecided = redecide_detections(
            session, actor=actor, now=models.utcnow(), work_ids=[terms.work_id]
        )
        return Added(record.id, len(redecided.authorised))


def list_licenses(
    sessions: sessionmaker[Session], *, work_id: int | None = None
) -> list[LicenseSummary]:
    query = select(models.License).order_by(models.License.id)
    if work_id is not None:
        query = query.where(models.License.work_id == work_id)
    with sessions() as session:
        return [
            LicenseSummary(
                id=r.id,
                work_title=r.work.title,
                licensee=r.licensee,
                places=[*r.domains, *(f"platform {p}" for p in r.platform_ids), *r.accounts],
                territory=list(r.territory),
                starts_on=r.starts_on,
                ends_on=r.ends_on,
            )
            for r in session.scalars(query)
        ]
