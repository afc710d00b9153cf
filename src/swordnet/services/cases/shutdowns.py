"""Is a shut-down site really gone? Re-checks after the telecom agency's outcome.

The agency recording "action taken" on a site shutdown is its word. The site counts as
shut down only when re-checks find it gone (its name does not resolve, the connection
fails, or the server answers with an error) ``enforcement.shutdown_confirm_checks`` times
in a row over at least ``enforcement.shutdown_confirm_days``. A check that finds it
answering starts the count again; a check the address policy refuses proves nothing.
Each check is a case event; the verdict marks the platform ``shut_down``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.cases import ReferralKind, ReferralOutcome, ReferralStatus, site_gone
from swordnet.domain.kinds import PlatformStatus
from swordnet.plugins.fetchers import Fetcher, FetchResult
from swordnet.services.cases.events import case_event
from swordnet.settings import EnforcementSettings
from swordnet.storage import models


@dataclass
class RecheckSummary:
    checked: int = 0
    gone: int = 0
    answering: int = 0
    unverified: int = 0
    verified: list[int] = field(default_factory=list)  # referral ids now verified


def _awaiting(session: Session) -> list[models.Referral]:
    return list(
        session.scalars(
            select(models.Referral)
            .where(
                models.Referral.kind == ReferralKind.SITE_SHUTDOWN.value,
                models.Referral.status == ReferralStatus.OUTCOME_RECORDED.value,
                models.Referral.outcome == ReferralOutcome.ACTION_TAKEN.value,
                models.Referral.verified_at.is_(None),
            )
            .order_by(models.Referral.id)
        )
    )


def site_url(session: Session, referral: models.Referral) -> str | None:
    """The address re-checked: the home page of the shut-down site."""
    platform = None
    if referral.shutdown_request_id is not None:
        request = session.get(models.ShutdownRequest, referral.shutdown_request_id)
        platform = request.platform if request is not None else None
    if platform is None and referral.case.platform_id is not None:
        platform = session.get(models.Platform, referral.case.platform_id)
    domain = platform.domain if platform is not None else None
    domain = domain or (referral.case.target_identifiers or {}).get("domain")
    return f"http://{domain}/" if domain else None


async def _fetch_all(fetcher: Fetcher, urls: list[str]) -> dict[str, FetchResult]:
    try:
        results = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
    finally:
        await fetcher.aclose()
    return dict(zip(urls, results, strict=True))


def _detail(result: FetchResult) -> str:
    if result.refused:
        return f"not checked: {result.error or 'refused'}"
    if result.error is not None:
        return f"gone: {result.error}"
    return f"answered HTTP {result.status}"


def recheck_shutdowns(
    sessions: sessionmaker[Session],
    make_fetcher: Callable[[], Fetcher],
    settings: EnforcementSettings,
    *,
    now: datetime,
    actor: str = "system",
) -> RecheckSummary:
    """Re-check every site whose shutdown was reported and not yet verified."""
    summary = RecheckSummary()
    with sessions() as session:
        urls = {r.id: site_url(session, r) for r in _awaiting(session)}
    wanted = sorted({u for u in urls.values() if u})
    results = asyncio.run(_fetch_all(make_fetcher(), wanted)) if wanted else {}
    period = timedelta(days=settings.shutdown_confirm_days)
    with sessions() as session, session.begin():
        for referral in _awaiting(session):
            url = urls.get(referral.id)
            result = results.get(url) if url else None
            if result is None:
                continue
            summary.checked += 1
            verdict = site_gone(error=result.error, status=result.status, refused=result.refused)
            referral.last_checked_at = now
            referral.last_check_detail = _detail(result)
            if verdict is None:
                summary.unverified += 1
            elif verdict:
                summary.gone += 1
                referral.gone_since = referral.gone_since or now
                referral.gone_checks += 1
            else:
                summary.answering += 1
                referral.gone_since, referral.gone_checks = None, 0
            case_event(
                session,
                referral.case,
                "shutdown_rechecked",
                {
                    "referral_id": referral.id,
                    "url": url,
                    "gone": verdict,
                    "detail": referral.last_check_detail,
                    "gone_checks": referral.gone_checks,
                },
                actor,
                at=now,
            )
            if (
                verdict
                and referral.gone_since is not None
                and referral.gone_checks >= settings.shutdown_confirm_checks
                and now - referral.gone_since >= period
            ):
                referral.verified_at = now
                summary.verified.append(referral.id)
                platform_id = referral.case.platform_id
                if referral.shutdown_request_id is not None:
                    request = session.get(models.ShutdownRequest, referral.shutdown_request_id)
                    platform_id = request.platform_id if request is not None else platform_id
                platform = session.get(models.Platform, platform_id) if platform_id else None
                if platform is not None:
                    platform.status = PlatformStatus.SHUT_DOWN
                case_event(
                    session,
                    referral.case,
                    "site_shut_down_verified",
                    {
                        "referral_id": referral.id,
                        "url": url,
                        "gone_since": referral.gone_since,
                        "gone_checks": referral.gone_checks,
                        "platform_id": platform_id,
                    },
                    actor,
                    at=now,
                )
    return summary
