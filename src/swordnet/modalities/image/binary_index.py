"""A FAISS index of 256-bit codes with 64-bit ids: exact while small, inverted lists when large.

Both tiers store binary codes (PDQ hashes, ORB descriptors). Below ``flat_limit`` codes a
brute-force ``IndexBinaryFlat`` is exact and fast enough (about 2 ms per query at one
million codes on one thread); above it the codes move to an ``IndexBinaryIVF`` trained on
what is held, which scans only ``nprobe`` of its lists. Near duplicates fall in the same
list as their original almost always, which the benchmark's scale check measures.
Memory is the code plus its id: 40 bytes per entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

CODE_BITS = 256
CODE_BYTES = CODE_BITS // 8


def use_one_thread() -> None:
    """FAISS's OpenMP threads fight each other on a shared machine: one per process."""
    faiss.omp_set_num_threads(1)


@dataclass(frozen=True, slots=True)
class BinaryIndexParams:
    flat_limit: int = 200_000
    nprobe: int = 16
    retrain_growth: float = 4.0  # retrain the lists once the index is this much larger


class BinaryCodeIndex:
    def __init__(self, params: BinaryIndexParams | None = None) -> None:
        use_one_thread()
        self.params = params or BinaryIndexParams()
        self._index: Any = _new_flat()  # FAISS index classes differ by size; see above
        self._trained_size = 0

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def is_inverted(self) -> bool:
        return self._trained_size > 0

    def add(self, codes: npt.NDArray[np.uint8], ids: npt.NDArray[np.int64]) -> None:
        if len(codes) == 0:
            return
        self._index.add_with_ids(
            np.ascontiguousarray(codes, dtype=np.uint8), np.ascontiguousarray(ids, np.int64)
        )
        self._maybe_reorganise()

    def remove(self, ids: npt.NDArray[np.int64]) -> None:
        if len(ids) and len(self):
            self._index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(ids, np.int64)))

    def search(
        self, codes: npt.NDArray[np.uint8], k: int
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
        """Distances and ids of the ``k`` nearest codes per query row; missing ids are -1."""
        if len(self) == 0 or len(codes) == 0:
            shape = (len(codes), k)
            return np.full(shape, CODE_BITS + 1, np.int32), np.full(shape, -1, np.int64)
        distances, ids = self._index.search(np.ascontiguousarray(codes, dtype=np.uint8), k)
        return distances.astype(np.int32), ids.astype(np.int64)

    def serialize(self) -> npt.NDArray[np.uint8]:
        return np.asarray(faiss.serialize_index_binary(self._index), dtype=np.uint8)

    @classmethod
    def deserialize(
        cls, data: npt.NDArray[np.uint8], params: BinaryIndexParams | None = None
    ) -> BinaryCodeIndex:
        index = cls(params)
        index._index = faiss.deserialize_index_binary(np.ascontiguousarray(data, np.uint8))
        if isinstance(index._index, faiss.IndexBinaryIVF):
            index._index.nprobe = index.params.nprobe
            index._trained_size = int(index._index.ntotal)
        return index

    def all_codes(self) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """Every code and id held (used to rebuild the lists)."""
        if not self.is_inverted:
            flat: Any = faiss.downcast_IndexBinary(self._index.index)
            codes = faiss.vector_to_array(flat.xb).reshape(-1, CODE_BYTES)
            return codes, faiss.vector_to_array(self._index.id_map).astype(np.int64)
        invlists = self._index.invlists
        code_parts: list[npt.NDArray[np.uint8]] = []
        id_parts: list[npt.NDArray[np.int64]] = []
        for list_no in range(self._index.nlist):
            size = invlists.list_size(list_no)
            if size == 0:
                continue
            codes_ptr = invlists.get_codes(list_no)
            ids_ptr = invlists.get_ids(list_no)
            code_parts.append(
                faiss.rev_swig_ptr(codes_ptr, size * CODE_BYTES).copy().reshape(-1, CODE_BYTES)
            )
            id_parts.append(faiss.rev_swig_ptr(ids_ptr, size).copy().astype(np.int64))
        if not code_parts:
            return np.zeros((0, CODE_BYTES), np.uint8), np.zeros(0, np.int64)
        return np.concatenate(code_parts), np.concatenate(id_parts)

    def _maybe_reorganise(self) -> None:
        size = len(self)
        if size <= self.params.flat_limit:
            return
        if self.is_inverted and size < self._trained_size * self.params.retrain_growth:
            return
        codes, ids = self.all_codes()
        self._index = _new_inverted(codes, self.params.nprobe)
        self._index.add_with_ids(codes, ids)
        self._trained_size = size


def _new_flat() -> Any:
    return faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(CODE_BITS))


def _new_inverted(codes: npt.NDArray[np.uint8], nprobe: int) -> Any:
    # sqrt(n) lists keeps both the k-means and the scan small; FAISS wants 39+ codes a list.
    nlist = max(16, min(65_536, int(math.sqrt(len(codes))), len(codes) // 39))
    quantizer = faiss.IndexBinaryFlat(CODE_BITS)
    inverted = faiss.IndexBinaryIVF(quantizer, CODE_BITS, nlist)
    # Training on a sample keeps the k-means affordable; 40 codes per list is plenty.
    rng = np.random.default_rng(0)
    sample_size = min(len(codes), nlist * 40)
    sample = codes[rng.choice(len(codes), size=sample_size, replace=False)]
    inverted.train(np.ascontiguousarray(sample))
    inverted.nprobe = nprobe
    return inverted  # FAISS's wrapper keeps the quantizer alive with the index
