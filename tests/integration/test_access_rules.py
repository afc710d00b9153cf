"""Each (kind, scope) rule of ``services.access.ROW_RULES`` reaches exactly the rows it
should, on SQLite and PostgreSQL: a row of every kind is seeded on each side of the
campaign (Guangdong, ``star``, ``videosite``, referred to the police; Zhejiang, another
holder, ``booksite``, referred to the Zhejiang bureau), and a principal of each side
reaches its side's row and not the other's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.web.conftest import build_campaign
from tests.web.rows import GUANGDONG, SHENZHEN, SIDES, ZHEJIANG, Rows, seed_rows

from swordnet.bootstrap import Container, bootstrap
from swordnet.domain.kinds import Role
from swordnet.domain.policy import Scope
from swordnet.services.access import ROW_MODELS, ROW_RULES, NotVisible, Principal, one_visible
from swordnet.settings import Settings
from swordnet.storage import models

ROLE_OF_SCOPE = {
    Scope.REGION: Role.OFFICER,
    Scope.HOLDER: Role.RIGHTS_HOLDER,
    Scope.PLATFORM: Role.PLATFORM,
    Scope.REFERRED: Role.PARTNER,
    Scope.SELF: Role.OFFICER,
}


@dataclass
class World:
    container: Container
    rows: Rows
    principals: dict[tuple[Scope, str], Principal]  # (scope, side) -> who stands there
    nationwide: Principal
    nowhere: Principal


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    container = bootstrap(Settings(home=tmp_path / "home", database_url=database_url, workers=1))
    try:
        campaign = build_campaign(container)
        with container.sessions() as session, session.begin():
            other = models.RightsHolder(name="Other Books")
            session.add(other)
            session.flush()
            other_holder = other.id
        people = {name: person.user_id for name, person in campaign.people.items()}
        rows = seed_rows(
            container.sessions,
            holders={"gd": campaign.holders["star"], "zj": other_holder},
            platforms={"gd": campaign.platforms["videosite"], "zj": campaign.platforms["booksite"]},
            agencies={"gd": campaign.agencies["gd"], "zj": campaign.agencies["zj"]},
            users={"gd": people["guangdong"], "zj": people["zhejiang"]},
            referred={"gd": campaign.agencies["police"], "zj": campaign.agencies["zj"]},
        )
        paths = {"gd": f"CN/{GUANGDONG}/", "zj": f"CN/{ZHEJIANG}/"}
        agencies = {"gd": campaign.agencies["police"], "zj": campaign.agencies["zj"]}
        usernames = {"gd": "guangdong", "zj": "zhejiang"}
        principals: dict[tuple[Scope, str], Principal] = {}
        for side in SIDES:
            for scope, role in ROLE_OF_SCOPE.items():
                principals[(scope, side)] = Principal(
                    user_id=rows["user"][side],
                    username=usernames[side],
                    role=role,
                    agency_id=agencies[side],
                    region_code=paths[side].split("/")[1],
                    region_path=paths[side],
                    holder_id=rows["holder"][side],
                    platform_id=rows["platform"][side],
                    second_factor=True,
                )
        nationwide = Principal(
            user_id=people["national"],
            username="national",
            role=Role.OFFICER,
            region_code="CN",
            region_path="CN/",
            second_factor=True,
        )
        nowhere = Principal(user_id=0, username="ghost", role=Role.OFFICER, second_factor=True)
        yield World(container, rows, principals, nationwide, nowhere)
    finally:
        container.close()


def _reached(world: World, kind: str, condition: Any) -> set[str]:
    """The sides whose seeded row of ``kind`` the condition reaches."""
    model = ROW_MODELS[kind]
    key = model.code if kind == "region" else model.id
    with world.container.sessions() as session:
        found = set(session.scalars(select(key).where(condition)))
    return {side for side, row_id in world.rows[kind].items() if row_id in found}


def test_each_rule_reaches_its_side_only(world: World) -> None:
    assert set(world.rows) == set(ROW_MODELS), "a row of every kind is seeded"
    assert all(set(ids) == set(SIDES) for ids in world.rows.values())
    wrong = []
    for (kind, scope), rule in ROW_RULES.items():
        for side in SIDES:
            reached = _reached(world, kind, rule(world.principals[(scope, side)]))
            if reached != {side}:
                wrong.append(f"{kind} under {scope.value} for the {side} side: {sorted(reached)}")
    assert not wrong, "\n".join(wrong)


def test_regions_reach_their_own_and_below_from_the_root_everything_from_nowhere_nothing(
    world: World,
) -> None:
    for (kind, scope), rule in ROW_RULES.items():
        if scope is not Scope.REGION:
            continue
        assert _reached(world, kind, rule(world.nationwide)) == set(SIDES), kind
        assert _reached(world, kind, rule(world.nowhere)) == set(), kind
    # the Guangdong side's rows sit in Shenzhen, a city below the province
    shenzhen = Principal(
        user_id=0,
        username="sz",
        role=Role.OFFICER,
        region_code=SHENZHEN,
        region_path=f"CN/{GUANGDONG}/{SHENZHEN}/",
        second_factor=True,
    )
    assert _reached(world, "detection", ROW_RULES[("detection", Scope.REGION)](shenzhen)) == {"gd"}
    guangdong = world.principals[(Scope.REGION, "gd")]
    assert _reached(world, "target", ROW_RULES[("target", Scope.REGION)](guangdong)) == {"gd"}
    # one row: another region's is told apart from a missing one by nothing
    officer = guangdong
    with world.container.sessions() as session:
        mine = one_visible(
            session, officer, "detections.read", "detection", world.rows["detection"]["gd"]
        )
        assert mine.id == world.rows["detection"]["gd"]
        for row_id in (world.rows["detection"]["zj"], 10**9):
            with pytest.raises(NotVisible):
                one_visible(session, officer, "detections.read", "detection", row_id)
