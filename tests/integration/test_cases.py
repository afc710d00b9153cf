"""The case services on SQLite and PostgreSQL: open, gather, move, decide, refer, answer;
every change an event; refusals leave nothing behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from swordnet.bootstrap import Container, bootstrap
from swordnet.domain.cases import (
    FigureName,
    PenaltyKind,
    ReferralKind,
    ReferralOutcome,
    TargetKind,
    TransitionRefused,
)
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import AgencyKind, CaseStatus, Role, TipStatus
from swordnet.services import ledger
from swordnet.services.access import NotVisible, Principal
from swordnet.services.cases import manage, referrals, views
from swordnet.settings import Settings
from swordnet.storage import models

NOW = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture
def app(settings: Settings, database_url: str) -> Iterator[Container]:
    built = bootstrap(
        settings.model_copy(update={"database_url": database_url, "secret_key": "x" * 40})
    )
    yield built
    built.close()


def _people(app: Container) -> tuple[Principal, Principal, Principal, int]:
    with app.sessions() as session, session.begin():
        police = models.Agency(name="Police", kind=AgencyKind.POLICE, region_code="440000")
        officer = models.User(
            username="gd", role=Role.OFFICER, region_code="440000", password_hash="x"
        )
        session.add_all([police, officer])
        session.flush()
        ids = (police.id, officer.id)
    gd = Principal(
        user_id=ids[1],
        username="gd",
        role=Role.OFFICER,
        region_code="440000",
        region_path="CN/440000/",
        second_factor=True,
    )
    zj = Principal(
        user_id=0,
        username="zj",
        role=Role.OFFICER,
        region_code="330000",
        region_path="CN/330000/",
        second_factor=True,
    )
    cop = Principal(user_id=0, username="cop", role=Role.PARTNER, agency_id=ids[0])
    return gd, zj, cop, ids[0]


def test_a_case_from_a_tip_to_its_referral(app: Container) -> None:
    gd, zj, cop, police_id = _people(app)
    with app.sessions() as session, session.begin():
        tip = models.Tip(url="https://pirate.example/ep1", description="盗版")
        session.add(tip)
        session.flush()
        case = manage.open_case(
            session,
            gd,
            title="pirate.example",
            target_kind=TargetKind.SITE,
            identifiers=manage.target_from_url(tip.url),
            tip_id=tip.id,
            now=NOW,
        )
        case_id, tip_id = case.id, tip.id
    with app.sessions() as session, session.begin():
        assert session.get_one(models.Tip, tip_id).status is TipStatus.ACTIONED
        with pytest.raises(TransitionRefused):
            manage.transition(session, gd, case_id, "close", now=NOW)
    with app.sessions() as session, session.begin(), pytest.raises(NotVisible):
        manage.transition(session, zj, case_id, "investigate", now=NOW)
    with app.sessions() as session, session.begin():
        manage.transition(session, gd, case_id, "investigate", now=NOW)
        manage.record_figure(
            session,
            gd,
            case_id,
            name=FigureName.ILLEGAL_BUSINESS_VOLUME,
            value="1234567.89",
            currency="CNY",
            source="账簿",
            now=NOW,
        )
        manage.record_penalty(
            session,
            gd,
            case_id,
            kind=PenaltyKind.CONFISCATE_GAINS,
            amount="5000",
            currency="CNY",
            legal_basis="《中华人民共和国著作权法》第五十三条",
            now=NOW,
        )
        with pytest.raises(SwordNetError, match="no amount"):
            manage.record_penalty(
                session,
                gd,
                case_id,
                kind=PenaltyKind.WARNING,
                amount="1",
                legal_basis="x",
                now=NOW,
            )
        with pytest.raises(SwordNetError, match="police"):
            referrals.refer(
                session,
                gd,
                case_id,
                agency_id=police_id,
                kind=ReferralKind.ACCOUNT_ACTION,
                message=None,
                now=NOW,
            )
        referral = referrals.refer(
            session,
            gd,
            case_id,
            agency_id=police_id,
            kind=ReferralKind.CRIMINAL,
            message="涉嫌侵犯著作权罪",
            now=NOW,
        )
        referral_id = referral.id
    with app.sessions() as session, session.begin():
        rows, _ = views.list_referrals(session, cop)
        assert [r.referral.id for r in rows] == [referral_id]
        assert views.case_detail(session, cop, case_id).case.status is CaseStatus.REFERRED
        referrals.accept(session, cop, referral_id, now=NOW)
        referrals.record_outcome(
            session, cop, referral_id, outcome=ReferralOutcome.ACTION_TAKEN, text="立案", now=NOW
        )
        figures = views.current_figures(session, case_id)
        assert [(f.name, str(f.value), f.currency) for f in figures] == [
            ("illegal_business_volume", "1234567.89", "CNY")
        ]
        case = session.get_one(models.Case, case_id)
        assert case.criminal_referral and case.illegal_turnover is not None
        events = session.scalar(
            select(func.count())
            .select_from(models.CaseEvent)
            .where(models.CaseEvent.case_id == case_id)
        )
    # opened, tip added, investigate, figure, penalty, refer, accept, outcome
    assert events == 8
    with app.sessions() as session:  # each event is a leaf of the evidence ledger, in order
        indices = ledger.leaves_for(session, "case.event", case_id)
        kinds = [json.loads(ledger.leaf(session, i).data)["record"]["kind"] for i in indices]
        timeline = list(
            session.scalars(
                select(models.CaseEvent.kind)
                .where(models.CaseEvent.case_id == case_id)
                .order_by(models.CaseEvent.id)
            )
        )
    assert kinds == timeline and len(kinds) == 8
    with app.sessions() as session:
        assert views.list_cases(session, zj, views.CaseFilter())[0] == []
        found, _ = views.list_cases(session, gd, views.CaseFilter(operator="PIRATE"))
        assert [r.id for r in found] == [case_id]
