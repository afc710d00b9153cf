"""Handing fetched responses to the analysis workers in batches, link-rich pages first.

One round trip to a worker process costs the crawl loop's process about as much as a
small page's fetch. Responses are therefore sent in batches: at once while a worker is
idle, otherwise gathered until a batch is full or its oldest response has waited
``max_wait_s``. Each worker has at most one batch, so the order in which waiting pages
are sent is the order in which they are analysed, and it favours pages with many
anchors: a crawl often waits for the links of one page (the next page of a list) while
dozens of leaves queue for analysis. When the crawl loop says it is starved of URLs
(``hurry``) and a waiting page has ``hurry_anchors`` anchors or more, it is sent at once,
in a batch of at most ``hurried_batch_size`` (a page's links come back only with its
whole batch), and one batch more than there are workers may be out so that it does not
wait for a worker's current batch to come back. Fetching pauses when ``max_pending``
responses, or ``max_pending_bytes`` of bodies, wait; a batch carries at most
``batch_bytes`` of bodies (or one body larger than that): a crawl of large media holds a
few of them at a time, not sixty-four.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from swordnet.crawler.analysis import Analysed, AnalysisBatch, ResponseJob, analyse_batch
from swordnet.domain.errors import ConfigurationError
from swordnet.execution import BatchExecutor

log = logging.getLogger(__name__)
OnAnalysed = Callable[[Any, Analysed | None, str | None], None]
_Waiting = tuple[int, ResponseJob, Any]  # (anchors, job, context)


class AnalysisFeed:
    def __init__(
        self,
        executor: BatchExecutor,
        settings_json: str,
        on_analysed: OnAnalysed,
        *,
        workers: int,
        batch_size: int = 16,
        hurried_batch_size: int = 4,
        hurry_anchors: int = 10,
        max_wait_s: float = 0.03,
        max_pending_bytes: int = 64 * 1024 * 1024,
        batch_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self.executor = executor
        self.settings_json = settings_json
        self.on_analysed = on_analysed  # (context, result, error) once per response
        self.batch_size = batch_size
        self.hurried_batch_size = hurried_batch_size
        self.hurry_anchors = hurry_anchors
        self.max_wait_s = max_wait_s
        self.workers = max(1, workers)
        self.max_pending = 4 * batch_size
        self.max_pending_bytes = max_pending_bytes
        self.batch_bytes = batch_bytes
        self.pending_bytes = 0
        self.busy_seconds = 0.0
        self.hurry = False
        self.failure: ConfigurationError | None = None  # the workers cannot run at all
        self._pending: list[_Waiting] = []
        self._outstanding: set[asyncio.Future[list[Analysed]]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._room = asyncio.Event()

    async def submit(self, job: ResponseJob, context: Any) -> None:
        """Queue one response; ``context`` comes back with its result."""
        while self._pending and (
            len(self._pending) >= self.max_pending or self.pending_bytes >= self.max_pending_bytes
        ):
            self._room.clear()
            await self._room.wait()
        anchors = job.body.count(b"<a ") + job.body.count(b"<A ")
        self._pending.append((anchors, job, context))
        self.pending_bytes += len(job.body)
        self._send_when_due()

    def send_now(self) -> None:
        """Look again at what waits: the crawl loop has just become starved of URLs."""
        self._send_when_due()

    @property
    def max_outstanding(self) -> int:
        return self.workers + 1 if self.hurry else self.workers

    def _urgent(self) -> bool:
        """Starved, and a waiting page may hold the links the crawl waits for."""
        return self.hurry and any(anchors >= self.hurry_anchors for anchors, _, _ in self._pending)

    def _send_when_due(self) -> None:
        if not self._pending or len(self._outstanding) >= self.max_outstanding:
            return  # sent when a batch comes back
        if self._urgent():
            self._send(partial=False, urgent=True)
        elif self._full() or not self._outstanding:
            self._send(partial=not self._outstanding, urgent=False)
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_wait_s, self._waited)

    def _waited(self) -> None:
        self._timer = None
        self._send(partial=True, urgent=self._urgent())

    def _send(self, *, partial: bool, urgent: bool) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        free = self.max_outstanding - len(self._outstanding)
        if not self._pending or free <= 0:
            return
        self._pending.sort(key=lambda waiting: -waiting[0])  # stable: otherwise first come
        if urgent:  # a small batch, link-rich pages first: its links come back sooner
            self._dispatch(self._take(self.hurried_batch_size))
            free -= 1
        while self._pending and free > 0 and (partial or self._full()):
            self._dispatch(self._take(self.batch_size))
            free -= 1
            partial = False  # the rest waits for full batches or the timer
        self._room.set()
        if self._pending and self._timer is None and free > 0:
            self._timer = asyncio.get_running_loop().call_later(self.max_wait_s, self._waited)

    def _full(self) -> bool:
        return len(self._pending) >= self.batch_size or self.pending_bytes >= self.batch_bytes

    def _take(self, size: int) -> list[_Waiting]:
        """Up to ``size`` waiting responses, and no more than ``batch_bytes`` of bodies
        unless the first alone is larger."""
        count, total = 0, 0
        for _, job, _ in self._pending[:size]:
            if count and total + len(job.body) > self.batch_bytes:
                break
            count, total = count + 1, total + len(job.body)
        batch, self._pending = self._pending[:count], self._pending[count:]
        self.pending_bytes -= total
        return batch

    def _dispatch(self, batch: list[_Waiting]) -> None:
        jobs = AnalysisBatch(self.settings_json, [job for _, job, _ in batch])
        future = asyncio.ensure_future(self.executor.run(analyse_batch, jobs))
        started = time.perf_counter()
        self._outstanding.add(future)
        future.add_done_callback(lambda done: self._returned(done, batch, started))

    def _returned(
        self, future: asyncio.Future[list[Analysed]], batch: list[_Waiting], started: float
    ) -> None:
        self._outstanding.discard(future)
        self.busy_seconds += time.perf_counter() - started
        if future.cancelled():
            return  # the crawl stopped: these pages are still queued in the frontier
        error = future.exception()
        if isinstance(error, ConfigurationError):
            # every batch would fail the same way: stop the crawl rather than store pages
            # that were never analysed (they stay queued: a resumed run fetches them again)
            self.failure = self.failure or error
            return
        elif error is not None:  # a worker died: keep the pages, without their analysis
            log.error("analysis of a batch of %d pages failed", len(batch), exc_info=error)
            for _, _, context in batch:
                self.on_analysed(context, None, f"{type(error).__name__}: {error}")
        else:
            for (_, _, context), result in zip(batch, future.result(), strict=True):
                self.on_analysed(context, result, None)
        self._send_when_due()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for future in list(self._outstanding):
            future.cancel()
        self._pending.clear()
        self.pending_bytes = 0
