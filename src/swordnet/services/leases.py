"""One crawl of a target at a time, across processes and machines.

Two processes crawling one target fetched and stored every page twice and wrote into one
WARC file from two places. A target is therefore leased before it is crawled: one
conditional ``UPDATE`` (atomic on SQLite and PostgreSQL) takes it when nobody holds it or
the holder's lease has run out; the holder renews it while it crawls and gives it back
when done. A holder killed with ``kill -9`` stops renewing, and its lease lapses after
``duration_s``: the next run resumes its work.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.errors import SwordNetError
from swordnet.storage import models

log = logging.getLogger(__name__)
DEFAULT_LEASE_S = 120.0


class TargetBusyError(SwordNetError):
    """Another process crawls this target now."""


def _died_here(owner: str) -> bool:
    """The owner was a process on this machine that no longer runs (killed, crashed):
    its lease need not be waited out."""
    host, _, rest = owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def lease_owner() -> str:
    """This process, recognisably: host, pid and a nonce (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class TargetLease:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        target_id: int,
        *,
        duration_s: float = DEFAULT_LEASE_S,
        owner: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.target_id = target_id
        self.duration_s = duration_s
        self.owner = owner or lease_owner()

    def _take(self, *, renewing: bool, stale_owner: str | None = None) -> bool:
        now = models.utcnow()
        table = models.MonitoringTarget
        free = or_(table.lease_owner.is_(None), table.lease_until < now)
        mine = table.lease_owner == self.owner
        if renewing:
            condition = mine
        elif stale_owner is not None:  # compare-and-set: only if that dead owner still holds it
            condition = table.lease_owner == stale_owner
        else:
            condition = or_(free, mine)
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(table)
                .where(table.id == self.target_id, condition)
                .values(
                    lease_owner=self.owner, lease_until=now + timedelta(seconds=self.duration_s)
                )
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def acquire(self) -> None:
        if self._take(renewing=False):
            return
        holder, until = self.holder()
        if (
            holder is not None
            and _died_here(holder)
            and self._take(renewing=False, stale_owner=holder)
        ):
            log.info("target %s: took over the lease of %s, which is dead", self.target_id, holder)
            return
        raise TargetBusyError(
            f"target {self.target_id} is being crawled by {holder} (lease until "
            f"{until:%Y-%m-%d %H:%M:%S} UTC); try again when that run ends"
            if until is not None
            else f"target {self.target_id} is being crawled by another process"
        )

    def holder(self) -> tuple[str | None, datetime | None]:
        with self.sessions() as session:
            target = session.get(models.MonitoringTarget, self.target_id)
            return (target.lease_owner, target.lease_until) if target else (None, None)

    def renew(self) -> bool:
        return self._take(renewing=True)

    def release(self) -> None:
        table = models.MonitoringTarget
        with self.sessions() as session, session.begin():
            session.execute(
                update(table)
                .where(table.id == self.target_id, table.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    @contextmanager
    def held(self, on_lost: Callable[[str], None]) -> Iterator[None]:
        """Hold the lease, renewing it in a thread; ``on_lost`` is told if it is lost."""
        self.acquire()
        stop = threading.Event()

        def renew_until_stopped() -> None:
            while not stop.wait(self.duration_s / 4):
                try:
                    kept = self.renew()
                except Exception:  # the database is away for a moment: try again
                    log.exception("renewing the lease of target %s failed", self.target_id)
                    continue
                if not kept:
                    on_lost(f"the lease on target {self.target_id} was lost to another process")
                    return

        thread = threading.Thread(target=renew_until_stopped, name="target-lease", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.release()
