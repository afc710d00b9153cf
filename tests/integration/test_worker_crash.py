"""A worker killed mid-batch (a crashing decoder, the OOM killer) costs only its own item.

Real worker processes: the function kills its own process on one item; every other item
still gets its result, in order, and the batch's own item gets the ``failed`` result.
"""

from __future__ import annotations

import os

from swordnet.execution import LocalPoolExecutor, SerialExecutor


def _square_or_die(item: int) -> int:
    if item == 7:
        os._exit(9)  # as SIGKILL would: no exception, the process is simply gone
    if item == 11:
        raise ValueError("a bug on this item")
    return item * item


def _failed(item: int, error: BaseException) -> int:
    return -item


def test_a_dying_worker_fails_only_its_item() -> None:
    executor = LocalPoolExecutor(2)
    try:
        results = list(executor.map_each(_square_or_die, range(16), _failed))
        again = list(executor.map_each(_square_or_die, [2, 3], _failed))  # the pool recovered
    finally:
        executor.close()
    expected = [-i if i in (7, 11) else i * i for i in range(16)]
    assert results == expected
    assert again == [4, 9]


def test_serial_executor_isolates_exceptions_too() -> None:
    items = [1, 11, 3]
    assert list(SerialExecutor().map_each(_square_or_die, items, _failed)) == [1, -11, 9]
