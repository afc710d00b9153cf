"""Running a stage over a batch: serially, or in a local process pool.

Every pipeline stage is a top-level function applied to the items of a batch, so the
same code runs in this process, in a pool of worker processes, or (later) on a cluster
engine behind the same ``BatchExecutor`` interface. Results come back in input order.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


_ORPHAN_CHECK_S = 1.0


def _start_worker(parent_pid: int) -> None:
    # Two OpenMP threads per worker on a busy 2-core machine were many times slower
    # than one: each worker process gets one thread in FAISS, OpenCV and BLAS.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    threading.Thread(
        target=_exit_when_orphaned, args=(parent_pid,), name="orphan-watch", daemon=True
    ).start()


def _exit_when_orphaned(parent_pid: int) -> None:
    """A worker whose parent died (``kill -9``) exits instead of living on with pid 1
    as its parent, holding hundreds of megabytes. Polling the parent's pid works under
    any start method and whichever thread started the worker (``PR_SET_PDEATHSIG``
    fires when that *thread* ends)."""
    while os.getppid() == parent_pid:
        time.sleep(_ORPHAN_CHECK_S)
    os._exit(70)


class BatchExecutor(ABC):
    @abstractmethod
    def map(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    @abstractmethod
    async def run(self, function: Callable[[T], R], item: T) -> R:
        """Apply ``function`` to one item without blocking the event loop (where possible)."""

    def map_each(
        self,
        function: Callable[[T], R],
        items: Iterable[T],
        failed: Callable[[T, BaseException], R],
    ) -> Iterator[R]:
        """``map``, except that an item whose processing raises or kills its worker gets
        ``failed(item, error)`` as its result and the others still get theirs (one bad
        item never stops a batch)."""
        for item in items:
            try:
                yield function(item)
            except Exception as exc:
                yield failed(item, exc)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release workers."""


class SerialExecutor(BatchExecutor):
    def map(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(function, items)

    async def run(self, function: Callable[[T], R], item: T) -> R:
        return function(item)


class LocalPoolExecutor(BatchExecutor):
    """A process pool, started on first use; ``chunksize`` amortises pickling."""

    def __init__(self, workers: int, chunksize: int = 4) -> None:
        self.workers = max(1, workers)
        self.chunksize = chunksize
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, initializer=_start_worker, initargs=(os.getpid(),)
            )
        return self._pool

    def map(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return self._started().map(function, items, chunksize=self.chunksize)

    def map_each(
        self,
        function: Callable[[T], R],
        items: Iterable[T],
        failed: Callable[[T, BaseException], R],
    ) -> Iterator[R]:
        """In input order. When a worker dies (a decoder crashed, the kernel's OOM killer
        took it), the pool is started again and the items not yet answered run one at a
        time, so that only the one that kills its worker fails."""
        pending = list(items)
        isolate = False
        while pending:
            pool = self._started()
            if not isolate:
                futures = [pool.submit(function, item) for item in pending]
                for future in futures:
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        log.warning("a worker died; the rest of the batch runs one at a time")
                        self._restart()
                        isolate = True
                        break
                    except Exception as exc:
                        result = failed(pending[0], exc)
                    pending.pop(0)
                    yield result
                continue
            item = pending.pop(0)
            try:
                yield pool.submit(function, item).result()
            except BrokenProcessPool as exc:
                self._restart()
                yield failed(item, exc)
            except Exception as exc:
                yield failed(item, exc)

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def run(self, function: Callable[[T], R], item: T) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._started(), function, item)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def make_executor(workers: int) -> BatchExecutor:
    count = workers or os.cpu_count() or 1
    return SerialExecutor() if count == 1 else LocalPoolExecutor(count)
