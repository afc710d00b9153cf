"""Whole-document near duplicates with MinHash LSH (datasketch): mirror sites, reposts.

Local fingerprints find a chapter inside a page; MinHash answers the other question an
officer asks: which of these thousand pages are the same document (one pirate site and
its mirrors), so a notice covers them together. datasketch 2.0 changed its default
permutation scheme, and sketches of different schemes cannot be compared, so every
sketch is stored with its scheme and seed (LeanMinHash's byte format carries both).

To keep sketching cheap, only grams whose hash falls in a fixed 1/``SAMPLE_RATE`` slice
are fed to MinHash: the slice is chosen by hash value, so two documents keep the same
grams and the Jaccard estimate stays unbiased.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine64"
SEED = 1
SAMPLE_RATE = 16
_MIN_SAMPLED = 64  # short texts are sketched from every gram


def _identity(value: int) -> int:
    return value


@lru_cache(maxsize=1)
def _permutations() -> npt.NDArray[np.uint64]:
    """Drawing the permutations costs more than sketching a chapter: draw them once."""
    template = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return template.permutations  # type: ignore[no-any-return]


def sketch(hashes: npt.NDArray[np.uint64]) -> LeanMinHash:
    """A MinHash of a set of 64-bit gram hashes."""
    sampled = hashes[(hashes % np.uint64(SAMPLE_RATE)) == 0]
    if len(sampled) < _MIN_SAMPLED:
        sampled = hashes
    sampled = np.unique(sampled)
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=SEED,
        hashfunc=_identity,
        scheme=SCHEME,
        permutations=_permutations(),
    )
    for start in range(0, len(sampled), 8192):  # bounds the (values x permutations) matrix
        minhash.update_batch(sampled[start : start + 8192].tolist())
    return LeanMinHash(minhash)


def sketch_to_bytes(minhash: LeanMinHash) -> bytes:
    buffer = bytearray(minhash.bytesize())
    minhash.serialize(buffer)
    return bytes(buffer)


def sketch_from_bytes(data: bytes) -> LeanMinHash:
    return LeanMinHash.deserialize(data)


class NearDuplicateIndex:
    """Sketches by reference id, with an LSH over them for sub-linear lookups."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._sketches: dict[int, LeanMinHash] = {}
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)

    def add_many(self, entries: Iterable[tuple[int, LeanMinHash]]) -> None:
        fresh = []
        for ref_id, minhash in entries:
            self.remove(ref_id)
            self._sketches[ref_id] = minhash
            fresh.append((ref_id, minhash))
        with self._lsh.insertion_session() as session:
            for ref_id, minhash in fresh:
                session.insert(ref_id, minhash)

    def remove(self, ref_id: int) -> None:
        if self._sketches.pop(ref_id, None) is not None:
            self._lsh.remove(ref_id)

    def query(self, minhash: LeanMinHash) -> list[tuple[int, float]]:
        """References whose estimated Jaccard similarity reaches the threshold, best first."""
        if minhash.scheme != SCHEME:
            raise ValueError(f"sketch uses scheme {minhash.scheme!r}, the index {SCHEME!r}")
        found = []
        for ref_id in self._lsh.query(minhash):
            similarity = float(minhash.jaccard(self._sketches[ref_id]))
            if similarity >= self.threshold:
                found.append((int(ref_id), similarity))
        return sorted(found, key=lambda item: item[1], reverse=True)

    def similarity(self, ref_id: int, minhash: LeanMinHash) -> float | None:
        known = self._sketches.get(ref_id)
        return None if known is None else float(minhash.jaccard(known))

    def serialize_into(self) -> dict[str, npt.NDArray[np.generic]]:
        ids = sorted(self._sketches)
        blobs = [sketch_to_bytes(self._sketches[i]) for i in ids]
        buffer = io.BytesIO()
        for blob in blobs:
            buffer.write(blob)
        return {
            "sketch_ids": np.array(ids, dtype=np.int64),
            "sketch_sizes": np.array([len(b) for b in blobs], dtype=np.int64),
            "sketch_bytes": np.frombuffer(buffer.getvalue(), dtype=np.uint8),
            "sketch_threshold": np.array([self.threshold]),
        }

    @classmethod
    def deserialize_from(cls, arrays: dict[str, npt.NDArray[np.generic]]) -> NearDuplicateIndex:
        index = cls(float(arrays["sketch_threshold"][0]))
        data = arrays["sketch_bytes"].tobytes()
        entries = []
        start = 0
        for ref_id, size in zip(
            arrays["sketch_ids"].tolist(), arrays["sketch_sizes"].tolist(), strict=True
        ):
            entries.append((int(ref_id), sketch_from_bytes(data[start : start + size])))
            start += size
        index.add_many(entries)
        return index


def cluster_near_duplicates(
    sketches: dict[str, LeanMinHash], threshold: float = 0.5
) -> list[list[str]]:
    """Group documents (pages of one site and its mirrors) whose sketches are similar."""
    names = sorted(sketches)
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for name in names:
            session.insert(name, sketches[name])
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for name in names:
        for other in lsh.query(sketches[name]):
            if other != name and sketches[name].jaccard(sketches[other]) >= threshold:
                parent[root(other)] = root(name)
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(root(name), []).append(name)
    return sorted(groups.values(), key=lambda group: (-len(group), group[0]))
