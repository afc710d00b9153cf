"""Monitoring targets as officers keep them in the browser and through the API: listed
with their last run, opened with that run's failures and their reasons, changed, paused,
removed, and run now in the background, all within the officer's region.

A run started from the web runs ``monitoring.run_target`` in a thread of the web process,
under the target's lease (``services.leases``): a target another process crawls is
refused at once (``TargetBusyError``), and the page follows the run through its
``crawl_run`` row, which the crawl updates as it stores pages.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from swordnet.crawler.frontier import FAILED, REFUSED
from swordnet.domain.errors import SwordNetError
from swordnet.domain.urls import canonical_url
from swordnet.services import audit
from swordnet.services.access import Principal, one_visible, visible
from swordnet.services.context import AppContext
from swordnet.services.leases import TargetBusyError
from swordnet.services.monitoring import run_target
from swordnet.storage import models

log = logging.getLogger(__name__)
MAX_FAILURES_SHOWN = 200
EDITABLE = (
    "name",
    "seeds",
    "sitemap_url",
    "query_template",
    "interval_s",
    "max_pages",
    "max_bytes",
    "max_depth",
    "max_seconds",
    "obey_robots",
)


@dataclass(frozen=True, slots=True)
class TargetRow:
    target: models.MonitoringTarget
    last_run: models.CrawlRun | None


@dataclass(frozen=True, slots=True)
class Failure:
    url: str
    state: str  # failed, refused, or the capture's outcome
    reason: str


def _last_runs() -> Any:
    return (
        select(models.CrawlRun.target_id, func.max(models.CrawlRun.id).label("run_id"))
        .where(models.CrawlRun.target_id.is_not(None))
        .group_by(models.CrawlRun.target_id)
        .subquery()
    )


def targets_query(principal: Principal) -> Select[Any]:
    """The targets the principal may see, each with its last run (one query)."""
    last = _last_runs()
    run = aliased(models.CrawlRun)
    stmt: Any = (
        select(models.MonitoringTarget, run)
        .outerjoin(last, last.c.target_id == models.MonitoringTarget.id)
        .outerjoin(run, run.id == last.c.run_id)
    )
    return visible(stmt, principal, "targets.read", "target")


def list_targets(
    session: Session, principal: Principal, *, after: int | None = None, limit: int = 50
) -> tuple[list[TargetRow], int | None]:
    stmt = targets_query(principal)
    if after is not None:
        stmt = stmt.where(models.MonitoringTarget.id < after)
    rows = [
        TargetRow(target, run)
        for target, run in session.execute(
            stmt.order_by(models.MonitoringTarget.id.desc()).limit(limit + 1)
        )
    ]
    following = rows[limit - 1].target.id if len(rows) > limit else None
    return rows[:limit], following


def open_target(
    session: Session, principal: Principal, target_id: int, action: str = "targets.read"
) -> models.MonitoringTarget:
    target: models.MonitoringTarget = one_visible(session, principal, action, "target", target_id)
    return target


def recent_runs(session: Session, target_id: int, limit: int = 10) -> list[models.CrawlRun]:
    return list(
        session.scalars(
            select(models.CrawlRun)
            .where(models.CrawlRun.target_id == target_id)
            .order_by(models.CrawlRun.id.desc())
            .limit(limit)
        )
    )


def run_failures(session: Session, run_id: int, limit: int = MAX_FAILURES_SHOWN) -> list[Failure]:
    """What went wrong in a run, with the reasons: URLs that failed or were refused (the
    frontier's error) and captures that recorded an error."""
    failures = [
        Failure(url, state, error or "")
        for url, state, error in session.execute(
            select(models.FrontierUrl.url, models.FrontierUrl.state, models.FrontierUrl.error)
            .where(
                models.FrontierUrl.run_id == run_id,
                models.FrontierUrl.state.in_([FAILED, REFUSED]),
            )
            .order_by(models.FrontierUrl.id)
            .limit(limit)
        )
    ]
    seen = {f.url for f in failures}
    failures += [
        Failure(url, outcome.value, error or "")
        for url, outcome, error in session.execute(
            select(models.Capture.url, models.Capture.outcome, models.Capture.error)
            .where(models.Capture.run_id == run_id, models.Capture.error.is_not(None))
            .order_by(models.Capture.id)
            .limit(limit)
        )
        if url not in seen
    ]
    return failures[:limit]


def _clean_seeds(seeds: list[str]) -> list[str]:
    cleaned = []
    for url in (s.strip() for s in seeds):
        if not url:
            continue
        if not url.startswith(("http://", "https://")):
            raise SwordNetError(f"not an http(s) URL: {url}")
        try:
            cleaned.append(canonical_url(url))
        except ValueError as exc:
            raise SwordNetError(f"malformed URL {url}: {exc}") from None
    return cleaned


def update_target(
    session: Session, principal: Principal, target_id: int, changes: dict[str, Any]
) -> models.MonitoringTarget:
    """Change a target's settings; the caller commits."""
    target = open_target(session, principal, target_id, "targets.write")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise SwordNetError(f"cannot change {', '.join(sorted(unknown))}")
    if "seeds" in changes:
        changes["seeds"] = _clean_seeds(list(changes["seeds"] or []))
    template = changes.get("query_template", target.query_template)
    if template and "{query}" not in template:
        raise SwordNetError("the query template must contain {query}")
    for key in ("interval_s", "max_pages", "max_bytes", "max_depth", "max_seconds"):
        if key in changes and int(changes[key]) < (0 if key == "max_depth" else 1):
            raise SwordNetError(f"{key} must be positive")
    after = {**{k: getattr(target, k) for k in EDITABLE}, **changes}
    if not (after["seeds"] or after["sitemap_url"] or after["query_template"]):
        raise SwordNetError("a target needs seed URLs, a sitemap or a search query template")
    if "name" in changes:
        name = str(changes["name"]).strip()
        clash = session.scalar(
            select(models.MonitoringTarget.id).where(
                models.MonitoringTarget.name == name, models.MonitoringTarget.id != target.id
            )
        )
        if clash or not name:
            raise SwordNetError(f"a target named {name!r} exists already" if name else "name it")
        changes["name"] = name
    for key, value in changes.items():
        setattr(target, key, value)
    audit.record(
        session,
        principal.username,
        "target.changed",
        "monitoring_target",
        target.id,
        changed=sorted(changes),
    )
    return target


def set_enabled(session: Session, principal: Principal, target_id: int, enabled: bool) -> None:
    target = open_target(session, principal, target_id, "targets.write")
    if target.enabled == enabled:
        return
    target.enabled = enabled
    if enabled:
        target.next_run_at = models.utcnow()
    audit.record(
        session,
        principal.username,
        "target.resumed" if enabled else "target.paused",
        "monitoring_target",
        target.id,
    )


def remove_target(session: Session, principal: Principal, target_id: int) -> None:
    """Remove a target. Its runs and their captures stay: they are evidence."""
    target = open_target(session, principal, target_id, "targets.write")
    if target.lease_owner and target.lease_until and target.lease_until > models.utcnow():
        raise SwordNetError("this target is being crawled now; remove it when the run ends")
    session.execute(
        update(models.CrawlRun).where(models.CrawlRun.target_id == target.id).values(target_id=None)
    )
    audit.record(
        session,
        principal.username,
        "target.removed",
        "monitoring_target",
        target.id,
        name=target.name,
    )
    session.delete(target)


def is_busy(target: models.MonitoringTarget, now: datetime) -> bool:
    return target.lease_owner is not None and (
        target.lease_until is None or target.lease_until > now
    )


def start_run(container: AppContext, principal: Principal, target_id: int) -> threading.Thread:
    """Crawl the target now, in a background thread. Refused at once when another process
    holds the target's lease; a run the thread cannot start is logged and audited."""
    with container.sessions() as session, session.begin():
        target = open_target(session, principal, target_id, "targets.run")
        if is_busy(target, models.utcnow()):
            raise TargetBusyError(f"target {target.name!r} is being crawled now")
        audit.record(
            session, principal.username, "target.run_requested", "monitoring_target", target.id
        )

    def run() -> None:
        try:
            run_target(container, str(target_id))
        except TargetBusyError as exc:
            log.info("run of target %s not started: %s", target_id, exc)
        except Exception:  # a background thread has nobody to raise to: log it
            log.exception("run of target %s failed", target_id)

    thread = threading.Thread(target=run, name=f"crawl-target-{target_id}", daemon=True)
    thread.start()
    return thread


def running_run(session: Session, target_id: int) -> models.CrawlRun | None:
    return session.scalars(
        select(models.CrawlRun)
        .where(
            models.CrawlRun.target_id == target_id,
            or_(models.CrawlRun.status == "running", models.CrawlRun.finished_at.is_(None)),
        )
        .order_by(models.CrawlRun.id.desc())
        .limit(1)
    ).first()
