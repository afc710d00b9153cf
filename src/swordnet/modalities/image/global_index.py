"""The global tier: one PDQ hash per reference, queried with the eight dihedral variants.

Storing one hash per reference and turning the query instead keeps the index at 40 bytes
per reference; a mirrored or quarter-turned copy then matches through one of the query's
variants. Hashes whose PDQ quality is low (flat or nearly blank pictures) are not indexed
or queried: their hash is mostly noise and would match other flat pictures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from swordnet.modalities.image.binary_index import BinaryCodeIndex, BinaryIndexParams
from swordnet.modalities.image.features import ImageFeatures

DIHEDRAL_NAMES = (
    "identity",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_horizontal",
    "flip_vertical",
    "transpose",
    "transverse",
)


@dataclass(frozen=True, slots=True)
class GlobalParams:
    max_distance: int = 31  # PDQ's own recommended match distance, of 256 bits
    min_quality: int = 50  # PDQ's own recommended floor
    neighbours: int = 8
    # 64 of ~1000 lists at a million hashes: about 2 ms, and near duplicates are found.
    codes: BinaryIndexParams = field(default_factory=lambda: BinaryIndexParams(nprobe=64))


@dataclass(frozen=True, slots=True)
class GlobalMatch:
    ref_id: int
    distance: int
    variant: str


class GlobalIndex:
    def __init__(self, params: GlobalParams | None = None) -> None:
        self.params = params or GlobalParams()
        self.codes = BinaryCodeIndex(self.params.codes)
        self.indexed: set[int] = set()

    def add(self, ref_id: int, features: ImageFeatures) -> None:
        self.remove(ref_id)
        if features.pdq_quality < self.params.min_quality:
            return
        self.add_hash(ref_id, features.pdq[0])

    def add_hash(self, ref_id: int, code: npt.NDArray[np.uint8]) -> None:
        self.codes.add(code.reshape(1, -1), np.array([ref_id], dtype=np.int64))
        self.indexed.add(ref_id)

    def remove(self, ref_id: int) -> None:
        if ref_id in self.indexed:
            self.codes.remove(np.array([ref_id], dtype=np.int64))
            self.indexed.discard(ref_id)

    def query(self, features: ImageFeatures) -> list[GlobalMatch]:
        if features.pdq_quality < self.params.min_quality:
            return []
        return self.query_hashes(features.pdq)

    def query_hashes(self, variants: npt.NDArray[np.uint8]) -> list[GlobalMatch]:
        distances, ids = self.codes.search(variants, self.params.neighbours)
        best: dict[int, GlobalMatch] = {}
        for variant, (row_distances, row_ids) in enumerate(zip(distances, ids, strict=True)):
            for distance, ref_id in zip(row_distances.tolist(), row_ids.tolist(), strict=True):
                if ref_id < 0 or distance > self.params.max_distance:
                    continue
                known = best.get(ref_id)
                if known is None or distance < known.distance:
                    best[ref_id] = GlobalMatch(ref_id, distance, DIHEDRAL_NAMES[variant])
        return sorted(best.values(), key=lambda match: match.distance)
