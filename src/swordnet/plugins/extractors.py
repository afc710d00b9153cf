"""The extractor extension point: find what a fetched page offers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

from swordnet.domain.pages import PAGE_TYPES

if TYPE_CHECKING:
    from swordnet.settings import Settings


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched document handed to extractors."""

    url: str
    media_type: str
    body: bytes
    encoding: str | None = None

    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class ExtractedContent:
    """One thing a page offers.

    ``kind`` is ``text``, ``image``, ``audio``, ``video``, ``hls``, ``link``, ``share_link``,
    ``listing``, ``torrent`` ...; ``text`` carries inline content; ``url`` points at
    content still to fetch; ``data`` holds anything kind-specific.
    """

    kind: str
    source_url: str
    extractor: str
    text: str | None = None
    url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Extractor(ABC):
    name: ClassVar[str]
    media_types: ClassVar[tuple[str, ...]] = PAGE_TYPES

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    def accepts(self, page: Page) -> bool:
        return any(page.media_type.startswith(prefix) for prefix in self.media_types)

    @abstractmethod
    def extract(self, page: Page) -> list[ExtractedContent]:
        """Return what the page offers; malformed markup yields what can be read."""
