"""Figures that cost a scan of a million rows, kept per scope for a short while.

The people of one scope (the same role, region, rights holder, platform, agency and token
scopes) see the same figures, so a page computes them once per scope and ``ttl_s``
seconds, not once per request. Concurrent requests of a scope whose figures are missing
wait for the one computing them instead of each scanning again. ``clear`` forgets
everything (after a change the figures count, in this process; another worker's copy
ages out within ``ttl_s``), and the page shows how old the figures are.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from swordnet.services.access import Principal

T = TypeVar("T")


def scope_key(principal: Principal) -> tuple[Any, ...]:
    """What decides which rows a principal sees (two principals with the same key see the
    same figures)."""
    return (
        principal.role,
        principal.region_path,
        principal.holder_id,
        principal.platform_id,
        principal.agency_id,
        principal.token_scopes,
    )


class ScopedCache:
    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._values: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, name: str, principal: Principal, compute: Callable[[], T]) -> tuple[T, int]:
        """(the figures, their age in seconds), computed by ``compute`` when missing or
        older than ``ttl_s``."""
        key = (name, *scope_key(principal))
        with self._lock:
            guard = self._computing.setdefault(key, threading.Lock())
        with guard:
            with self._lock:
                kept = self._values.get(key)
            now = time.monotonic()
            if kept is not None and now - kept[0] < self.ttl_s:
                return kept[1], int(now - kept[0])
            value = compute()
            with self._lock:
                self._values[key] = (time.monotonic(), value)
            return value, 0

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
