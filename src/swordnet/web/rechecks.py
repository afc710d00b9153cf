"""Re-checks started from a page or the API, run after the answer, their progress kept in
this process for the page to poll.

The progress lives in memory: with several workers a poll may reach another process,
which answers "unknown" and the page falls back to the notice's recorded verdicts (the
re-check itself is in the database either way).
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from swordnet.services.access import Principal
from swordnet.services.context import AppContext
from swordnet.services.enforcement.answers import recheck_notice

log = logging.getLogger(__name__)

_KEEP = 200  # finished jobs remembered


@dataclass
class RecheckJob:
    id: str
    notice_id: int
    user_id: int
    stage: str = "queued"  # queued, fetching, judging, done, failed
    count: int = 0
    error: str | None = None
    summary: dict[str, int] = field(default_factory=dict)
    verdict: str | None = None

    @property
    def finished(self) -> bool:
        return self.stage in ("done", "failed")


class RecheckJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, RecheckJob] = {}
        self._lock = threading.Lock()

    def start(self, notice_id: int, principal: Principal) -> RecheckJob:
        job = RecheckJob(secrets.token_urlsafe(9), notice_id, principal.user_id)
        with self._lock:
            if len(self._jobs) >= _KEEP:
                for key in [k for k, j in self._jobs.items() if j.finished][: _KEEP // 2]:
                    del self._jobs[key]
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str, principal: Principal) -> RecheckJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.user_id == principal.user_id else None

    def run(self, job: RecheckJob, container: AppContext, principal: Principal) -> None:
        def progress(stage: str, count: int) -> None:
            job.stage, job.count = stage, count

        try:
            summary = recheck_notice(
                container, principal, job.notice_id, now=datetime.now(UTC), progress=progress
            )
        except Exception as exc:  # shown on the page; the re-check wrote nothing half-way
            log.exception("re-check of notice %s failed", job.notice_id)
            job.stage, job.error = "failed", str(exc)
            return
        job.summary = {
            "checked": summary.items_checked,
            "removed": summary.items_removed,
            "still_there": summary.items_still_there,
            "changed": summary.items_changed,
            "unverified": summary.items_unverified,
        }
        job.verdict = next(iter(summary.verdicts.values()), None)
        job.stage = "done"


JOBS = RecheckJobs()
