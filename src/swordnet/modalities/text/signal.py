"""The text signal: normalised text, winnowed into an index that localises copies."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

from swordnet.domain.errors import over_budget
from swordnet.domain.pages import PAGE_SUFFIXES
from swordnet.modalities.text.encoding import text_encoding
from swordnet.modalities.text.index import TextIndex, TextIndexParams
from swordnet.modalities.text.neardup import sketch, sketch_to_bytes
from swordnet.modalities.text.normalize import normalise
from swordnet.modalities.text.pages import main_text
from swordnet.modalities.text.payload import TextPayload, encode_payload
from swordnet.modalities.text.winnow import token_grams
from swordnet.plugins.signals import (
    ConformanceSamples,
    Fingerprint,
    Labels,
    MediaInput,
    Role,
    SignalType,
)

if TYPE_CHECKING:
    from swordnet.settings import Settings

# budgets.text_max_bytes and text_max_chars: a long novel is 1-3 MB; normalising and
# winnowing cost about 45 bytes of memory per byte of text, so 8 MiB stays under 400 MB
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_CHARS = 8 * 1024 * 1024


def refuse_oversized_text(data: bytes, name: str, max_bytes: int) -> None:
    """Refuse text over the byte budget before it is decoded or normalised (each makes
    copies many times its size)."""
    if len(data) > max_bytes:
        raise over_budget(
            name, f"{len(data)} bytes of text", f"{max_bytes} bytes", "budgets.text_max_bytes"
        )


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes as text in the encoding ``text_encoding`` finds, or refuse them."""
    return data.decode(text_encoding(data, name))


def is_html(media: MediaInput) -> bool:
    if media.media_type is not None:  # a declared type wins over a URL's suffix
        return "html" in media.media_type.lower()
    return media.suffix in PAGE_SUFFIXES


class TextSignal(SignalType):
    name: ClassVar[str] = "text"
    modality: ClassVar[str] = "text"
    units: ClassVar[Mapping[str, Labels]] = {"char": {"zh": "字", "en": "chars"}}
    link_suffixes: ClassVar[Mapping[str, str]] = {".txt": "text"}
    followed_media_kinds: ClassVar[frozenset[str]] = frozenset()
    auto_confirm_default: ClassVar[float | None] = 0.8
    notice_labels: ClassVar[Labels] = {"zh": "文本", "en": "text"}
    default_work_kind: ClassVar[str] = "chapter"
    version: ClassVar[int] = 3  # 3: Latin look-alikes folded
    file_extensions: ClassVar[frozenset[str]] = frozenset({".txt", ".text", ".md", *PAGE_SUFFIXES})
    media_types: ClassVar[tuple[str, ...]] = ("text/plain", "text/markdown", "text/html")
    index_class = TextIndex

    def __init__(
        self,
        params: TextIndexParams | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        self.params = params or TextIndexParams()
        self.max_bytes = max_bytes
        self.max_chars = max_chars

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            TextIndexParams(min_copy_chars=settings.text_min_copy_chars),
            max_bytes=settings.budgets.text_max_bytes,
            max_chars=settings.budgets.text_max_chars,
        )

    @classmethod
    def conformance_samples(cls, workdir: Path) -> ConformanceSamples:
        rng = random.Random(7)
        vocabulary = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
            for _ in range(400)
        ]

        def prose(words: int) -> str:
            return " ".join(rng.choice(vocabulary) for _ in range(words))

        reference = prose(300)
        files = {
            "reference.txt": reference.encode(),
            "copy.txt": f"{prose(80)}\n{reference.upper()}\n{prose(80)}".encode(),
            "unrelated.txt": prose(400).encode(),
            "garbage.txt": b"\x00\x01\x02" * 500,
        }
        for name, data in files.items():
            (workdir / name).write_bytes(data)
        return ConformanceSamples(*(MediaInput.from_path(workdir / name) for name in files))

    def fingerprint(self, media: MediaInput, *, role: Role = "query") -> Fingerprint:
        data = media.read()
        refuse_oversized_text(data, media.name, self.max_bytes)
        text = decode_text(data, media.name)
        extraction = "plain"
        if is_html(media):
            text, extraction = main_text(text, media.name)
        return self.fingerprint_text(text, extraction=extraction, role=role, name=media.name)

    def fingerprint_text(
        self,
        text: str,
        *,
        extraction: str = "plain",
        role: Role = "reference",
        name: str = "text",
    ) -> Fingerprint:
        """Fingerprint decoded text; segment offsets refer to this text.

        References carry a MinHash sketch for the near-duplicate index; queries do not
        (it cost a fifth of a query), and the index sketches them when asked. Text over
        ``max_chars`` is refused (``budgets.text_max_chars``).
        """
        if len(text) > self.max_chars:
            raise over_budget(
                name,
                f"{len(text)} characters",
                f"{self.max_chars} characters",
                "budgets.text_max_chars",
            )
        normalised = normalise(text)
        document_sketch = b""
        if role == "reference":
            grams = token_grams(normalised, self.params.gram_weight, self.params.word_weight)
            document_sketch = sketch_to_bytes(sketch(grams.hashes))
        payload = TextPayload(normalised, document_sketch)
        return Fingerprint(
            signal=self.name,
            version=self.version,
            payload=encode_payload(payload),
            length=float(len(text)),
            unit="char",
            meta={"normalised_chars": len(normalised), "extraction": extraction},
        )

    def new_index(self) -> TextIndex:
        return TextIndex(self.params)

    def load_index(self, data: bytes) -> TextIndex:
        """A saved index, answering with the current settings (the quotation limit may
        have changed since it was saved); one built with other grams cannot be used."""
        index = TextIndex.deserialize(data)
        index.use_params(self.params)
        return index
