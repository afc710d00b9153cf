"""Referrals of cases to partner agencies, and the agencies' answers.

An officer refers a case to the police (criminal), the telecom regulator (a site shutdown:
the shutdown request escalation drafted is sent, by e-mail or webhook) or the cyberspace
regulator (account and app actions). The agency sees the referral in its inbox and
accepts it, asks for more (the officer answers and resubmits), or records the outcome.
Every step is a case event (``events.case_event``) under the real user.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.cases import (
    CaseTransition,
    ReferralKind,
    ReferralOutcome,
    ReferralStatus,
    ReferralStep,
    check_agency,
    next_referral_status,
)
from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import AgencyKind
from swordnet.plugins.notifiers import Notifier, OutgoingNotice
from swordnet.services.access import NotVisible, Principal, one_visible
from swordnet.services.cases.events import case_event
from swordnet.services.cases.manage import apply_transition, open_for_write
from swordnet.services.parties.regions import nearest_agency
from swordnet.storage import models

CHANNELS = ("smtp", "webhook")


def _agency(session: Session, agency_id: int, kind: ReferralKind) -> models.Agency:
    agency = session.get(models.Agency, agency_id)
    if agency is None:
        raise SwordNetError(f"no agency {agency_id}")
    check_agency(kind, agency.kind)
    return agency


def _create(
    session: Session,
    case: models.Case,
    agency: models.Agency,
    kind: ReferralKind,
    actor: str,
    *,
    now: datetime,
    message: str | None,
    shutdown_request_id: int | None = None,
    channel: str | None = None,
    recipient: str | None = None,
    delivery_ref: str | None = None,
) -> models.Referral:
    referral = models.Referral(
        case_id=case.id,
        agency_id=agency.id,
        kind=kind.value,
        status=ReferralStatus.SENT.value,
        message=(message or "").strip() or None,
        shutdown_request_id=shutdown_request_id,
        channel=channel,
        recipient=recipient,
        delivery_ref=delivery_ref,
        sent_by=actor,
        sent_at=now,
    )
    session.add(referral)
    session.flush()
    case.referred_agency_id = agency.id
    if kind is ReferralKind.CRIMINAL:
        case.criminal_referral = True
    if kind is ReferralKind.SITE_SHUTDOWN:
        case.shutdown_requested = True
    apply_transition(
        session,
        case,
        CaseTransition.REFER,
        actor,
        now=now,
        data={
            "referral_id": referral.id,
            "agency_id": agency.id,
            "agency": agency.name,
            "kind": kind.value,
            "message": referral.message,
            "shutdown_request_id": shutdown_request_id,
            "channel": channel,
            "recipient": recipient,
            "delivery_ref": delivery_ref,
        },
    )
    return referral


def refer(
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    agency_id: int,
    kind: ReferralKind,
    message: str | None,
    now: datetime,
) -> models.Referral:
    """Refer a case to a partner agency, which finds it in its inbox. A site shutdown goes
    with its shutdown request: use ``send_shutdown_request``."""
    if kind is ReferralKind.SITE_SHUTDOWN:
        raise SwordNetError("a site shutdown is referred by sending the case's shutdown request")
    case = open_for_write(session, principal, case_id)
    agency = _agency(session, agency_id, kind)
    return _create(session, case, agency, kind, principal.username, now=now, message=message)


def shutdown_request_for(
    session: Session, principal: Principal, request_id: int, action: str = "cases.read"
) -> models.ShutdownRequest:
    """A shutdown request whose case the caller reaches with ``action``."""
    request = session.get(models.ShutdownRequest, request_id)
    if request is None:
        raise NotVisible(f"no shutdown request {request_id} that you may see")
    one_visible(session, principal, action, "case", request.case_id)
    return request


def send_shutdown_request(
    sessions: sessionmaker[Session],
    notifier: Notifier,
    principal: Principal,
    request_id: int,
    *,
    now: datetime,
    agency_id: int | None = None,
    webhook_url: str | None = None,
    message: str | None = None,
) -> models.Referral:
    """Send a drafted shutdown request to the telecom agency (``agency_id``, else the one
    of the platform's region or its nearest ancestor) through ``notifier``, and refer the
    case to it.

    The e-mail goes to the agency's address; a webhook to ``webhook_url``. The request's
    identity (``shutdown-request-<id>``) travels as the message id, so a receiver can
    drop a second copy if a crash between sending and recording made us send twice."""
    with sessions() as session:
        request = shutdown_request_for(session, principal, request_id, "cases.write")
        if request.status != "draft":
            raise SwordNetError(f"shutdown request {request_id} was {request.status} already")
        if agency_id is not None:
            agency = _agency(session, agency_id, ReferralKind.SITE_SHUTDOWN)
        else:
            found = nearest_agency(session, request.platform.region_code, AgencyKind.TELECOM)
            if found is None:
                raise SwordNetError(
                    "no telecom agency is registered for the site's region or above it: "
                    "register one (swordnet agencies add NAME --kind telecom ...)"
                )
            agency = found
        if notifier.name == "webhook":
            if not webhook_url:
                raise SwordNetError("give the agency's webhook URL to send by webhook")
            recipient = webhook_url
        elif notifier.name == "smtp":
            if not agency.email:
                raise SwordNetError(f"{agency.name} has no e-mail address: record one first")
            recipient = agency.email
        else:
            raise SwordNetError(f"shutdown requests are sent by {' or '.join(CHANNELS)}")
        outgoing = OutgoingNotice(
            key=f"shutdown-request-{request.id}",
            recipient=recipient,
            subject=request.subject,
            text=request.body_text,
            attachments={
                "notice-history.json": json.dumps(
                    request.attachments, ensure_ascii=False, indent=2
                ).encode("utf-8")
            },
            data={
                "shutdown_request_id": request.id,
                "case_id": request.case_id,
                "body_sha256": request.body_sha256,
                "attachments": request.attachments,
            },
            message_id=f"shutdown-request-{request.id}-{request.body_sha256[:16]}",
        )
        agency_id = agency.id
    receipt = notifier.send(outgoing)  # raises on failure: nothing is recorded as sent
    with sessions() as session, session.begin():
        request = shutdown_request_for(session, principal, request_id, "cases.write")
        if request.status != "draft":
            raise SwordNetError(f"shutdown request {request_id} was {request.status} already")
        request.status = "sent"
        request.recipient = recipient
        case = open_for_write(session, principal, request.case_id)
        agency = session.get_one(models.Agency, agency_id)
        referral = _create(
            session,
            case,
            agency,
            ReferralKind.SITE_SHUTDOWN,
            principal.username,
            now=now,
            message=message,
            shutdown_request_id=request.id,
            channel=notifier.name,
            recipient=recipient,
            delivery_ref=receipt.reference,
        )
        session.expunge(referral)
        return referral


# --- the agency's answers ------------------------------------------------------------------


def open_referral(
    session: Session, principal: Principal, referral_id: int, action: str = "referrals.read"
) -> models.Referral:
    referral: models.Referral = one_visible(session, principal, action, "referral", referral_id)
    return referral


def _step(
    session: Session,
    referral: models.Referral,
    step: ReferralStep,
    actor: str,
    *,
    now: datetime,
    data: dict[str, object],
) -> models.Referral:
    before = ReferralStatus(referral.status)
    after = next_referral_status(before, step)
    referral.status = after.value
    case_event(
        session,
        referral.case,
        f"referral_{step.value}",
        {"referral_id": referral.id, "from": before.value, "to": after.value, **data},
        actor,
        at=now,
    )
    return referral


def accept(
    session: Session, principal: Principal, referral_id: int, *, now: datetime
) -> models.Referral:
    referral = open_referral(session, principal, referral_id, "referrals.answer")
    referral.accepted_at = now
    return _step(session, referral, ReferralStep.ACCEPT, principal.username, now=now, data={})


def request_more(
    session: Session, principal: Principal, referral_id: int, *, message: str, now: datetime
) -> models.Referral:
    """Ask the officer for more (evidence, figures): the message goes back with the case."""
    if not message.strip():
        raise SwordNetError("say what more is needed")
    referral = open_referral(session, principal, referral_id, "referrals.answer")
    referral.more_requested = message.strip()
    referral.more_requested_at = now
    return _step(
        session,
        referral,
        ReferralStep.REQUEST_MORE,
        principal.username,
        now=now,
        data={"message": referral.more_requested},
    )


def resubmit(
    session: Session, principal: Principal, referral_id: int, *, message: str, now: datetime
) -> models.Referral:
    """The officer's answer to a request for more: the referral is sent again."""
    referral = session.get(models.Referral, referral_id)
    if referral is None:
        raise NotVisible(f"no referral {referral_id} that you may see")
    open_for_write(session, principal, referral.case_id)
    if not message.strip():
        raise SwordNetError("say what was added")
    return _step(
        session,
        referral,
        ReferralStep.RESUBMIT,
        principal.username,
        now=now,
        data={"message": message.strip()},
    )


def record_outcome(
    session: Session,
    principal: Principal,
    referral_id: int,
    *,
    outcome: ReferralOutcome,
    text: str,
    now: datetime,
) -> models.Referral:
    """The agency's outcome. A site shutdown's "action taken" is its word, not a verdict:
    the site counts as shut down once re-checks find it gone (``shutdowns``)."""
    if not text.strip():
        raise SwordNetError("describe the outcome")
    referral = open_referral(session, principal, referral_id, "referrals.answer")
    referral.outcome = outcome.value
    referral.outcome_text = text.strip()
    referral.outcome_at = now
    referral.gone_since, referral.gone_checks = None, 0
    return _step(
        session,
        referral,
        ReferralStep.RECORD_OUTCOME,
        principal.username,
        now=now,
        data={"outcome": outcome.value, "text": referral.outcome_text},
    )


def referrals_of_case(session: Session, case_id: int) -> list[models.Referral]:
    return list(
        session.scalars(
            select(models.Referral)
            .where(models.Referral.case_id == case_id)
            .order_by(models.Referral.id)
        )
    )
