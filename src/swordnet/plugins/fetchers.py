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


class Fetcher(ABC):
    """Fetches URLs. Implementations enforce the address policy and the size limits."""

    name: ClassVar[str]
    schemes: ClassVar[frozenset[str]] = frozenset({"http", "https"})

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    @abstractmethod
    async def fetch(self, url: str) -> FetchResult:
        """Fetch ``url``; never raises for network or server faults, records them instead."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
