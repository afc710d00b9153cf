"""The store's own thread: the crawl loop hands it settled pages and frontier queries.

Storing a batch of pages takes tens of milliseconds; done on the event loop's thread it
stalled every fetch in flight. Here one thread owns all database work of a run, in the
order it was asked for. Pages are buffered and written in batches: when ``batch_size``
pages wait, ``flush_interval_s`` after the oldest arrived, once no page came for
``idle_s`` (a polite crawl's pages are stored one by one, so that ``kill -9`` loses only
the page in flight), or as soon as nothing more is queued when the loop is starved of
URLs (``hurry``) and a waiting page links to ``hurry_links`` URLs or more, or as soon as
the waiting pages' evidence records reach ``batch_bytes`` (large media). Single
outcomes (a refusal, a retry, a crash) and frontier queries run between batches. After
each commit the loop is told which frontier entries are settled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from swordnet.crawler.page_sink import PageSink, Visited

if TYPE_CHECKING:
    from swordnet.crawler.engine import CrawlReport

log = logging.getLogger(__name__)
T = TypeVar("T")
_STOP, _FLUSH, _VISIT, _CALL, _QUERY = range(5)


class StoreWriter:
    def __init__(
        self,
        store: PageSink,
        report: CrawlReport,
        loop: asyncio.AbstractEventLoop,
        on_settled: Callable[[list[int]], None],
        *,
        batch_size: int = 32,
        flush_interval_s: float = 0.2,
        idle_s: float = 0.05,
        hurry_links: int = 10,
        batch_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self.store = store
        self.report = report
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.idle_s = idle_s
        self.hurry_links = hurry_links
        self.batch_bytes = batch_bytes
        self.failure: BaseException | None = None
        self.hurry = False  # set by the loop while its lanes wait for links held here
        self._loop = loop
        self._on_settled = on_settled
        self._queue: queue.SimpleQueue[tuple[int, Any, Any]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="crawl-store", daemon=True)
        self._thread.start()

    # -- called from the event loop -------------------------------------------------
    def store_page(self, visited: Visited) -> None:
        self._queue.put((_VISIT, visited, None))

    def settle(self, entry_id: int, state: str, message: str, *, refused: bool) -> None:
        def settle() -> None:
            self.store.settle(self.report, entry_id, state, message, refused)

        self._queue.put((_CALL, settle, [entry_id]))

    def call(self, work: Callable[[], None], entry_ids: list[int]) -> None:
        """Run ``work`` in the store's thread; the entries are settled once it is done."""
        self._queue.put((_CALL, work, entry_ids))

    async def query(self, work: Callable[[], T]) -> T:
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.put((_QUERY, work, future))
        return await future

    def flush_soon(self) -> None:
        """Store what is buffered now: the loop waits for the links it holds."""
        self._queue.put((_FLUSH, None, None))

    async def close(self) -> None:
        """Store what is buffered and stop the thread."""
        self._queue.put((_STOP, None, None))
        await asyncio.to_thread(self._thread.join)

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise RuntimeError("storing the crawl failed") from self.failure

    # -- the thread ---------------------------------------------------------------------
    def _run(self) -> None:
        pending: list[Visited] = []
        pending_bytes = 0  # of the waiting pages' records: large media are stored at once
        oldest = latest = 0.0
        links_waiting = False  # a pending page links to many URLs
        while True:
            timeout = None
            if pending:
                due = min(oldest + self.flush_interval_s, latest + self.idle_s)
                timeout = max(0.0, due - time.monotonic())
            try:
                kind, payload, extra = self._queue.get(timeout=timeout)
            except queue.Empty:
                pending, pending_bytes = self._flush(pending), 0
                links_waiting = False
                continue
            if kind == _VISIT:
                latest = time.monotonic()
                if not pending:
                    oldest = latest
                pending.append(payload)
                pending_bytes += _record_size(payload)
                links_waiting = links_waiting or _links(payload) >= self.hurry_links
                if (
                    len(pending) >= self.batch_size
                    or pending_bytes >= self.batch_bytes
                    or (self.hurry and links_waiting and self._queue.empty())
                ):
                    pending, pending_bytes = self._flush(pending), 0
                    links_waiting = False
            elif kind == _FLUSH:
                pending, pending_bytes = self._flush(pending), 0
                links_waiting = False
            elif kind == _CALL:
                self._guarded(payload)
                self._notify(extra)
            elif kind == _QUERY:
                self._answer(payload, extra)
            else:
                self._flush(pending)
                self.report.add_time("store_cpu", time.thread_time())  # this thread's CPU
                return

    def _flush(self, pending: list[Visited]) -> list[Visited]:
        if pending:
            started = time.perf_counter()
            self._guarded(lambda: self.store.write(self.report, pending))
            self.report.add_time("store", time.perf_counter() - started)
            self._notify([visited.entry.id for visited in pending])
        return []

    def _guarded(self, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception as exc:  # the database itself failed: the run must stop
            log.exception("the crawl store failed")
            self.failure = self.failure or exc

    def _notify(self, entry_ids: list[int]) -> None:
        self._post(self._on_settled, entry_ids)

    def _answer(self, work: Callable[[], Any], future: asyncio.Future[Any]) -> None:
        try:
            result = work()
        except Exception as exc:
            self._post(_settle_future, future, None, exc)
        else:
            self._post(_settle_future, future, result, None)

    def _post(self, callback: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            self._loop.call_soon_threadsafe(callback, *args)


def _record_size(visited: Visited) -> int:
    record = visited.record
    return len(record.data) if record is not None else len(visited.response.body)


def _links(visited: Visited) -> int:
    return len(visited.analysis.links) if visited.analysis is not None else 0


def _settle_future(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return  # the loop stopped waiting (cancelled)
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
