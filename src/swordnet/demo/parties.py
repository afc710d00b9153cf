"""The demo's parties: its simulated sites placed in Guangdong, the agencies a campaign
there works with (the copyright administrations, the police, the telecom regulator), and
the people of those agencies the demo acts as."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from swordnet.domain.kinds import AgencyKind, Role
from swordnet.services.accounts import create_user, generated_password
from swordnet.services.context import AppContext
from swordnet.storage import models

NATIONAL, PROVINCE = "CN", "440000"  # the demo's sites are placed in Guangdong
REGULATOR_EMAIL = "shutdown-requests@gdca.demo.localhost"


@dataclass(frozen=True)
class DemoAgencies:
    national: int
    province: int
    police: int
    telecom: int


def _agency(
    container: AppContext, name: str, kind: AgencyKind, region: str, email: str | None = None
) -> int:
    with container.sessions() as session, session.begin():
        found = session.scalars(select(models.Agency.id).where(models.Agency.name == name)).first()
        if found is not None:
            return int(found)
        agency = models.Agency(name=name, kind=kind, region_code=region, email=email)
        session.add(agency)
        session.flush()
        return agency.id


def demo_agencies(container: AppContext) -> DemoAgencies:
    """The demo's agencies, registered once (found by name afterwards)."""
    return DemoAgencies(
        national=_agency(
            container, "National Copyright Administration", AgencyKind.COPYRIGHT, NATIONAL
        ),
        province=_agency(container, "Guangdong Copyright Bureau", AgencyKind.COPYRIGHT, PROVINCE),
        police=_agency(container, "Guangdong Public Security", AgencyKind.POLICE, PROVINCE),
        telecom=_agency(
            container,
            "Guangdong Communications Administration",
            AgencyKind.TELECOM,
            PROVINCE,
            REGULATOR_EMAIL,
        ),
    )


def place_in_province(container: AppContext) -> None:
    """The demo's records carry no region: its simulated sites are placed in Guangdong."""
    with container.sessions() as session, session.begin():
        for model in (models.Platform, models.Detection, models.Notice, models.Case):
            session.execute(
                update(model).where(model.region_code.is_(None)).values(region_code=PROVINCE)
            )
        session.execute(
            update(models.MonitoringTarget)
            .where(models.MonitoringTarget.region_code.is_(None))
            .values(region_code=PROVINCE)
        )


def demo_user(
    container: AppContext, username: str, role: Role, membership: dict[str, object]
) -> int:
    """A demo person the demo acts as (its password is set again, and shown, by
    ``swordnet demo --serve``)."""
    with container.sessions() as session:
        found = session.scalars(
            select(models.User.id).where(models.User.username == username)
        ).first()
    if found is not None:
        return int(found)
    user_id = create_user(
        container.sessions, username, role, password=generated_password(), actor="swordnet demo"
    )
    with container.sessions() as session, session.begin():
        session.execute(update(models.User).where(models.User.id == user_id).values(**membership))
    return user_id
