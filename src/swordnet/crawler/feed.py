"""Handing fetched responses to the analysis workers in batches.

One round trip to a worker process costs the crawl loop's process about as much as a
small page's fetch. Responses are therefore sent in batches: at once while the workers
are idle (a polite, slow crawl waits for nothing), otherwise gathered until a batch is
full or its oldest response has waited ``max_wait_s``. At most ``max_outstanding``
batches are with the workers; fetching pauses when ``max_pending`` responses wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from swordnet.crawler.analysis import Analysed, AnalysisBatch, ResponseJob, analyse_batch
from swordnet.execution import BatchExecutor

log = logging.getLogger(__name__)
OnAnalysed = Callable[[Any, Analysed | None, str | None], None]


class AnalysisFeed:
    def __init__(
        self,
        executor: BatchExecutor,
        settings_json: str,
        on_analysed: OnAnalysed,
        *,
        workers: int,
        batch_size: int = 16,
        max_wait_s: float = 0.03,
    ) -> None:
        self.executor = executor
        self.settings_json = settings_json
        self.on_analysed = on_analysed  # (context, result, error) once per response
        self.batch_size = batch_size
        self.max_wait_s = max_wait_s
        self.max_outstanding = max(2, 2 * workers)
        self.max_pending = 4 * batch_size
        self.busy_seconds = 0.0
        self._pending: list[tuple[ResponseJob, Any]] = []
        self._outstanding: set[asyncio.Future[list[Analysed]]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._room = asyncio.Event()

    async def submit(self, job: ResponseJob, context: Any) -> None:
        """Queue one response; ``context`` comes back with its result."""
        while len(self._pending) >= self.max_pending:
            self._room.clear()
            await self._room.wait()
        self._pending.append((job, context))
        self._send_when_due()

    def _send_when_due(self) -> None:
        if not self._pending or len(self._outstanding) >= self.max_outstanding:
            return  # sent when a batch comes back
        if len(self._pending) >= self.batch_size or not self._outstanding:
            self._send()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_wait_s, self._send)

    def _send(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending or len(self._outstanding) >= self.max_outstanding:
            return
        batch, self._pending = self._pending[: self.batch_size], self._pending[self.batch_size :]
        jobs = AnalysisBatch(self.settings_json, [job for job, _ in batch])
        future = asyncio.ensure_future(self.executor.run(analyse_batch, jobs))
        started = time.perf_counter()
        self._outstanding.add(future)
        future.add_done_callback(lambda done: self._returned(done, batch, started))
        self._room.set()
        self._send_when_due()  # a full batch more may be waiting

    def _returned(
        self,
        future: asyncio.Future[list[Analysed]],
        batch: list[tuple[ResponseJob, Any]],
        started: float,
    ) -> None:
        self._outstanding.discard(future)
        self.busy_seconds += time.perf_counter() - started
        if future.cancelled():
            return  # the crawl stopped: these pages are still queued in the frontier
        error = future.exception()
        if error is not None:  # a worker died: keep the pages, without their analysis
            log.error("analysis of a batch of %d pages failed", len(batch), exc_info=error)
            for _, context in batch:
                self.on_analysed(context, None, f"{type(error).__name__}: {error}")
        else:
            for (_, context), result in zip(batch, future.result(), strict=True):
                self.on_analysed(context, result, None)
        self._send_when_due()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for future in list(self._outstanding):
            future.cancel()
        self._pending.clear()
