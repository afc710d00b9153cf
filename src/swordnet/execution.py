"""Running a stage over a batch: serially, or in a local process pool.

Every pipeline stage is a top-level function applied to the items of a batch, so the
same code runs in this process, in a pool of worker processes, or (later) on a cluster
engine behind the same ``BatchExecutor`` interface. Results come back in input order.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

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

    async def run(self, function: Callable[[T], R], item: T) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._started(), function, item)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def make_executor(workers: int) -> BatchExecutor:
    count = workers or os.cpu_count() or 1
    return SerialExecutor() if count == 1 else LocalPoolExecutor(count)
