"""``bytes``: a file matches when its exact SHA-256 is catalogued (modality ``blob``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Self

from swordnet.domain.errors import CorruptMediaError
from swordnet.domain.matching import IndexHit, Segment
from swordnet.plugins import (
    ConformanceSamples,
    Fingerprint,
    Labels,
    MediaInput,
    SignalIndex,
    SignalType,
)
from swordnet.plugins.signals import Role

BLOB_MAGIC = b"SWBLOB1\n"  # what a blob starts with; anything else is not one


class BytesIndex(SignalIndex):
    """SHA-256 -> the references holding exactly those bytes."""

    def __init__(self) -> None:
        self._refs: dict[int, tuple[str, float]] = {}  # ref_id -> (sha256, size)

    def add(self, ref_id: int, fingerprint: Fingerprint) -> None:
        self._refs[ref_id] = (fingerprint.payload.decode("ascii"), fingerprint.length)

    def remove(self, ref_id: int) -> None:
        self._refs.pop(ref_id, None)

    def query(self, fingerprint: Fingerprint) -> list[IndexHit]:
        digest = fingerprint.payload.decode("ascii")
        return [
            IndexHit(ref_id, 1.0, (Segment((0, size), (0, size), "byte"),))
            for ref_id, (sha256, size) in sorted(self._refs.items())
            if sha256 == digest
        ]

    def ref_ids(self) -> set[int]:
        return set(self._refs)

    def serialize(self) -> bytes:
        return json.dumps({str(k): list(v) for k, v in self._refs.items()}).encode("utf-8")

    @classmethod
    def deserialize(cls, data: bytes) -> Self:
        index = cls()
        for ref_id, (sha256, size) in json.loads(data).items():
            index._refs[int(ref_id)] = (str(sha256), float(size))
        return index


class BytesSignal(SignalType):
    name: ClassVar[str] = "bytes"
    modality: ClassVar[str] = "blob"
    file_extensions: ClassVar[frozenset[str]] = frozenset({".bin"})
    index_class = BytesIndex
    units: ClassVar[Mapping[str, Labels]] = {"byte": {"zh": "字节", "en": "bytes"}}
    link_suffixes: ClassVar[Mapping[str, str]] = {".bin": "blob"}
    followed_media_kinds: ClassVar[frozenset[str]] = frozenset({"blob"})
    auto_confirm_default: ClassVar[float | None] = 1.0  # an exact copy
    notice_labels: ClassVar[Labels] = {"zh": "二进制文件", "en": "binary file"}
    default_work_kind: ClassVar[str] = "software"

    @classmethod
    def conformance_samples(cls, workdir: Path) -> ConformanceSamples:
        def write(name: str, data: bytes) -> MediaInput:
            path = workdir / name
            path.write_bytes(data)
            return MediaInput.from_path(path)

        payload = BLOB_MAGIC + bytes(range(256)) * 4
        return ConformanceSamples(
            reference=write("reference.bin", payload),
            copy=write("copy.bin", payload),  # exact: what this signal finds
            unrelated=write("unrelated.bin", BLOB_MAGIC + b"\x00" * 1024),
            garbage=write("garbage.bin", b"not a blob"),
        )

    def fingerprint(self, media: MediaInput, *, role: Role = "query") -> Fingerprint:
        data = media.read()
        if not data.startswith(BLOB_MAGIC):
            raise CorruptMediaError(f"{media.name}: not a blob (no {BLOB_MAGIC!r} header)")
        digest = hashlib.sha256(data).hexdigest()
        return Fingerprint(self.name, self.version, digest.encode("ascii"), len(data), "byte")
