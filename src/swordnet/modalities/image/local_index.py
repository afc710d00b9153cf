"""The local tier: ORB descriptors of every reference, voting for the references a query shows.

Each query descriptor looks up its nearest reference descriptors; every close one is a
vote for its reference, with the pair of points it links. The references with the most
votes are then verified geometrically (``verify.py``), which rejects chance votes.
A descriptor's id in the code index packs its reference id and its keypoint number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from swordnet.modalities.image.binary_index import BinaryCodeIndex, BinaryIndexParams
from swordnet.modalities.image.features import ImageFeatures
from swordnet.modalities.image.verify import Verification, VerifyParams, verify_homography

_KEYPOINT_BITS = 12  # up to 4096 keypoints per reference
_MAX_KEYPOINTS = 1 << _KEYPOINT_BITS


@dataclass(frozen=True, slots=True)
class LocalParams:
    neighbours: int = 4
    max_hamming: int = 64  # of 256 bits; ORB matches between copies sit well below
    min_votes: int = 10
    max_candidates: int = 4
    verify: VerifyParams = field(default_factory=VerifyParams)
    codes: BinaryIndexParams = field(
        default_factory=lambda: BinaryIndexParams(flat_limit=50_000, nprobe=12)
    )


@dataclass(frozen=True, slots=True)
class LocalReference:
    width: int
    height: int
    keypoints: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class LocalMatch:
    ref_id: int
    votes: int
    verification: Verification


class LocalIndex:
    def __init__(self, params: LocalParams | None = None) -> None:
        self.params = params or LocalParams()
        self.references: dict[int, LocalReference] = {}
        self.codes = BinaryCodeIndex(self.params.codes)

    def add(self, ref_id: int, features: ImageFeatures) -> None:
        self.remove(ref_id)
        count = min(len(features.descriptors), _MAX_KEYPOINTS)
        reference = LocalReference(
            features.width,
            features.height,
            features.keypoints[:count],
            features.descriptors[:count],
        )
        self.references[ref_id] = reference
        self.codes.add(reference.descriptors, _packed_ids(ref_id, count))

    def remove(self, ref_id: int) -> None:
        reference = self.references.pop(ref_id, None)
        if reference is not None:
            self.codes.remove(_packed_ids(ref_id, len(reference.descriptors)))

    def query(self, features: ImageFeatures) -> list[LocalMatch]:
        if len(features.descriptors) == 0 or not self.references:
            return []
        params = self.params
        distances, ids = self.codes.search(features.descriptors, params.neighbours)
        close = (ids >= 0) & (distances <= params.max_hamming)
        query_rows = np.broadcast_to(np.arange(len(ids))[:, None], ids.shape)[close]
        matched_ids = ids[close]
        matched_distances = distances[close]
        ref_of = matched_ids >> _KEYPOINT_BITS
        keypoint_of = matched_ids & (_MAX_KEYPOINTS - 1)
        # One vote per query keypoint per reference: the closest of its neighbours there.
        order = np.lexsort((matched_distances, query_rows, ref_of))
        ref_of, keypoint_of, query_rows = ref_of[order], keypoint_of[order], query_rows[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (ref_of[1:] != ref_of[:-1]) | (query_rows[1:] != query_rows[:-1])
        ref_of, keypoint_of, query_rows = ref_of[first], keypoint_of[first], query_rows[first]
        candidates, votes = np.unique(ref_of, return_counts=True)
        ranked = np.argsort(-votes, kind="stable")[: params.max_candidates]
        matches: list[LocalMatch] = []
        for position in ranked:
            if votes[position] < params.min_votes:
                break
            ref_id = int(candidates[position])
            reference = self.references.get(ref_id)
            if reference is None:
                continue
            chosen = ref_of == ref_id
            verification = verify_homography(
                reference.keypoints[keypoint_of[chosen]],
                features.keypoints[query_rows[chosen]],
                (reference.width, reference.height),
                (features.width, features.height),
                params.verify,
            )
            if verification is not None:
                matches.append(LocalMatch(ref_id, int(votes[position]), verification))
        return matches


def _packed_ids(ref_id: int, count: int) -> npt.NDArray[np.int64]:
    if not 0 <= ref_id < 1 << (63 - _KEYPOINT_BITS):
        raise ValueError(f"reference id {ref_id} is out of the image index's range")
    return (np.int64(ref_id) << _KEYPOINT_BITS) | np.arange(count, dtype=np.int64)
