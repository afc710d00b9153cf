"""The fetcher extension point: get the bytes behind a URL, safely."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Self

if TYPE_CHECKING:
    from swordnet.settings import Settings


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a server answered. ``error`` is set, and ``body`` empty, when fetching failed."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float
    redirects: tuple[str, ...] = field(default_factory=tuple)
    truncated: bool = False
    error: str | None = None
    refused: bool = False  # refused on purpose: unsafe address, robots.txt, budget
    retryable: bool = False  # a network fault or timeout that may pass

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class ByteMeter:
    """A run's byte budget, counted as bodies arrive, in flight or not.

    A crawl's fetches share one meter; a fetcher adds each piece of body it reads and stops
    reading when ``take`` says the budget is spent, so a run never fetches more than its
    budget and one piece per fetch in flight.
    """

    def __init__(self, limit: int, *, already: int = 0) -> None:
        self.limit = limit
        self.fetched = already  # a resumed run counts what its earlier part stored

    def take(self, size: int) -> bool:
        """Count ``size`` more bytes; False when the budget is now spent."""
        self.fetched += size
        return self.fetched < self.limit

    @property
    def spent(self) -> bool:
        return self.fetched >= self.limit


class Fetcher(ABC):
    """Fetches URLs. Implementations enforce the address policy and the size limits, and
    count every body byte they read on ``meter`` when one is set (refusing, with
    ``refused`` set, a fetch that the meter stops)."""

    name: ClassVar[str]
    schemes: ClassVar[frozenset[str]] = frozenset({"http", "https"})
    meter: ByteMeter | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    @abstractmethod
    async def fetch(self, url: str) -> FetchResult:
        """Fetch ``url``; never raises for network or server faults, records them instead."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
