"""The signal extension point: a fingerprinter and the index it names, per modality.

A *signal type* turns media into a ``Fingerprint`` and builds the ``SignalIndex`` that
stores reference fingerprints and answers queries with localised hits. A modality folder
(``swordnet/modalities/<name>/``) holds one or more signal types.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from swordnet.domain.errors import MediaTooLargeError
from swordnet.domain.matching import IndexHit

if TYPE_CHECKING:
    from swordnet.settings import Settings

Role = Literal["reference", "query"]


@dataclass(frozen=True, slots=True)
class MediaInput:
    """Content to fingerprint: a file on disk or bytes in memory, with what is known of it."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    media_type: str | None = None
    max_bytes: int | None = None

    @classmethod
    def from_path(cls, path: Path, *, max_bytes: int | None = None) -> MediaInput:
        return cls(name=str(path), path=path, max_bytes=max_bytes)

    @property
    def suffix(self) -> str:
        source = self.path.name if self.path is not None else self.name
        return Path(source.split("?", 1)[0]).suffix.lower()

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def read(self) -> bytes:
        if self.max_bytes is not None and self.size() > self.max_bytes:
            raise MediaTooLargeError(
                f"{self.name}: {self.size()} bytes is over the limit of {self.max_bytes}"
            )
        if self.data is not None:
            return self.data
        assert self.path is not None, "MediaInput needs a path or data"
        return self.path.read_bytes()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A serialisable fingerprint. ``payload`` is private to the signal type that made it."""

    signal: str
    version: int
    payload: bytes
    length: float  # in ``unit``: characters, seconds or pixels of the long side
    unit: str
    meta: dict[str, Any] = field(default_factory=dict)


class SignalIndex(ABC):
    """Reference fingerprints of one signal type, searchable by query fingerprints."""

    @abstractmethod
    def add(self, ref_id: int, fingerprint: Fingerprint) -> None:
        """Index a reference; adding an existing ``ref_id`` again replaces it."""

    def add_many(self, entries: Iterable[tuple[int, Fingerprint]]) -> None:
        for ref_id, fingerprint in entries:
            self.add(ref_id, fingerprint)

    @abstractmethod
    def remove(self, ref_id: int) -> None:
        """Forget a reference; unknown ids are ignored."""

    @abstractmethod
    def query(self, fingerprint: Fingerprint) -> list[IndexHit]:
        """Return the references found in the query, best first, with their segments."""

    @abstractmethod
    def ref_ids(self) -> set[int]:
        """Every reference id held, to check the index against the catalogue."""

    @abstractmethod
    def serialize(self) -> bytes: ...

    @classmethod
    @abstractmethod
    def deserialize(cls, data: bytes) -> Self: ...

    def __len__(self) -> int:
        return len(self.ref_ids())


@dataclass(frozen=True, slots=True)
class ConformanceSamples:
    """Small generated media for the generic signal test suite.

    ``copy`` holds a transformed copy of ``reference`` (for text: embedded in other text;
    for images: re-encoded and resized; for audio and video: an excerpt); ``unrelated``
    must not match ``reference``.
    """

    reference: MediaInput
    copy: MediaInput
    unrelated: MediaInput
    garbage: MediaInput  # claims the signal's format but is corrupt


Labels = Mapping[str, str]  # a word in each language notices are written in: zh, en


class SignalType(ABC):
    """Turns media of one modality into fingerprints and names its index class.

    A signal type declares everything the rest of SwordNet needs to know of its modality,
    so that nothing outside its folder lists the modalities: the modality's name (a plain
    string, stored as such), the units its segments are measured in, the links it reads
    and the page items it wants fetched, its auto-confirm threshold, the words a notice
    names it with and the kind of work a reference of it makes by default.
    """

    name: ClassVar[str]
    modality: ClassVar[str]
    version: ClassVar[int] = 1
    file_extensions: ClassVar[frozenset[str]] = frozenset()
    media_types: ClassVar[tuple[str, ...]] = ()
    index_class: ClassVar[type[SignalIndex]]
    # the units of its segments (``Segment.unit``), each with its words in a notice
    units: ClassVar[Mapping[str, Labels]] = {}
    # link suffixes it reads, each with the media kind the links extractor gives the link
    link_suffixes: ClassVar[Mapping[str, str]] = {}
    # media kinds of page items (``ExtractedContent.kind``) to fetch for it
    followed_media_kinds: ClassVar[frozenset[str]] = frozenset()
    # the score from which its detections are confirmed unless the settings say otherwise;
    # None: reviewed by hand
    auto_confirm_default: ClassVar[float | None] = None
    notice_labels: ClassVar[Labels] = {}  # its modality in a notice, per language
    default_work_kind: ClassVar[str] = "software"  # a ``WorkKind`` value

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Build from settings; raise ``NotConfigured`` when it cannot run."""
        return cls()

    def accepts(self, media: MediaInput) -> bool:
        if media.media_type is not None:
            base = media.media_type.split(";", 1)[0].strip().lower()
            if any(base.startswith(prefix) for prefix in self.media_types):
                return True
        return media.suffix in self.file_extensions

    @classmethod
    @abstractmethod
    def conformance_samples(cls, workdir: Path) -> ConformanceSamples:
        """Write small generated samples under ``workdir`` for the conformance tests."""

    @abstractmethod
    def fingerprint(self, media: MediaInput, *, role: Role = "query") -> Fingerprint:
        """Fingerprint media; raise a ``MediaError`` subclass on bad input."""

    def new_index(self) -> SignalIndex:
        """An empty index; override to pass the signal's settings to it."""
        return self.index_class()

    def load_index(self, data: bytes) -> SignalIndex:
        return self.index_class.deserialize(data)
