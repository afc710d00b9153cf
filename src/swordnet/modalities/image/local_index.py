"""The local tier: ORB descriptors of every reference, voting for the references a query shows.

Each query descriptor looks up its nearest reference descriptors. A raw count of close
descriptors is a poor vote: texture-rich references collect chance matches from every
query. So each match votes for a *pose* of its reference: the turn between the two
keypoints' orientations and the difference of their pyramid levels (scale). True matches
agree on one pose; chance ones scatter (a Hough transform, as in Lowe's SIFT matching).
The references with the strongest pose are then verified geometrically (``verify.py``)
using only the matches that voted for that pose.

A descriptor's id in the code index packs its reference id, its orientation step, its
pyramid level and its keypoint number, so votes are counted without looking anything up.
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
_LEVEL_BITS = 3
_ANGLE_BITS = 5
_ANGLE_STEPS = 1 << _ANGLE_BITS
_REF_SHIFT = _KEYPOINT_BITS + _LEVEL_BITS + _ANGLE_BITS
_TURN_BINS = 16  # pose bins of 22.5 degrees
_SCALE_BINS = 15  # level differences -7..7


@dataclass(frozen=True, slots=True)
class LocalParams:
    neighbours: int = 4
    max_hamming: int = 64  # of 256 bits; ORB matches between copies sit well below
    min_votes: int = 8  # matches agreeing on one pose before a reference is verified
    max_candidates: int = 6
    verify: VerifyParams = field(default_factory=VerifyParams)
    codes: BinaryIndexParams = field(
        default_factory=lambda: BinaryIndexParams(flat_limit=2_000, nprobe=8)
    )


@dataclass(frozen=True, slots=True)
class LocalReference:
    width: int
    height: int
    keypoints: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.uint8]
    poses: npt.NDArray[np.uint8]


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
        count = min(len(features.descriptors), _MAX_KEYPOINTS)
        self.add_reference(
            ref_id,
            LocalReference(
                features.width,
                features.height,
                features.keypoints[:count],
                features.descriptors[:count],
                features.poses[:count],
            ),
        )

    def add_reference(self, ref_id: int, reference: LocalReference) -> None:
        self.remove(ref_id)
        self.references[ref_id] = reference
        self.codes.add(reference.descriptors, _packed_ids(ref_id, reference.poses))

    def remove(self, ref_id: int) -> None:
        reference = self.references.pop(ref_id, None)
        if reference is not None:
            self.codes.remove(_packed_ids(ref_id, reference.poses))

    def query(self, features: ImageFeatures) -> list[LocalMatch]:
        if len(features.descriptors) == 0 or not self.references:
            return []
        params = self.params
        distances, ids = self.codes.search(features.descriptors, params.neighbours)
        close = (ids >= 0) & (distances <= params.max_hamming)
        query_rows = np.broadcast_to(np.arange(len(ids))[:, None], ids.shape)[close]
        matched = ids[close]
        ref_of = matched >> _REF_SHIFT
        keypoint_of = matched & (_MAX_KEYPOINTS - 1)
        level_of = (matched >> _KEYPOINT_BITS) & ((1 << _LEVEL_BITS) - 1)
        angle_of = (matched >> (_KEYPOINT_BITS + _LEVEL_BITS)) & (_ANGLE_STEPS - 1)
        query_poses = features.poses[query_rows].astype(np.int64)
        turn = ((query_poses[:, 0] - angle_of) % _ANGLE_STEPS) * _TURN_BINS // _ANGLE_STEPS
        scale = query_poses[:, 1] - level_of + (_SCALE_BINS // 2)
        pose_key = (ref_of * _TURN_BINS + turn) * _SCALE_BINS + scale
        votes, winning = _pose_votes(pose_key, query_rows)
        matches: list[LocalMatch] = []
        for key in winning[: params.max_candidates]:
            if votes[key] < params.min_votes:
                break
            ref_id = int(key // (_TURN_BINS * _SCALE_BINS))
            reference = self.references.get(ref_id)
            if reference is None:
                continue
            chosen = (ref_of == ref_id) & _near_pose(turn, scale, key)
            rows, first = np.unique(query_rows[chosen], return_index=True)
            verification = verify_homography(
                reference.keypoints[keypoint_of[chosen][first]],
                features.keypoints[rows],
                (reference.width, reference.height),
                (features.width, features.height),
                params.verify,
            )
            if verification is not None:
                matches.append(LocalMatch(ref_id, int(votes[key]), verification))
        return matches


def _pose_votes(
    pose_key: npt.NDArray[np.int64], query_rows: npt.NDArray[np.int64]
) -> tuple[dict[int, int], list[int]]:
    """Votes per pose (with its neighbouring poses), and each reference's best pose, best first.

    A query keypoint votes at most once per pose, however many of its neighbours agree.
    """
    if len(pose_key) == 0:
        return {}, []
    pairs = np.unique(np.stack([pose_key, query_rows], axis=1), axis=0)
    keys, counts = np.unique(pairs[:, 0], return_counts=True)
    smoothed = np.zeros(len(keys), dtype=np.int64)
    turn = (keys // _SCALE_BINS) % _TURN_BINS
    scale = keys % _SCALE_BINS
    base = keys - turn * _SCALE_BINS - scale
    for turn_step in (-1, 0, 1):
        for scale_step in (-1, 0, 1):
            neighbour_scale = scale + scale_step
            valid = (neighbour_scale >= 0) & (neighbour_scale < _SCALE_BINS)
            neighbour = base + ((turn + turn_step) % _TURN_BINS) * _SCALE_BINS + neighbour_scale
            position = np.clip(np.searchsorted(keys, neighbour), 0, len(keys) - 1)
            found = valid & (keys[position] == neighbour)
            smoothed += np.where(found, counts[position], 0)
    refs = keys // (_TURN_BINS * _SCALE_BINS)
    best: dict[int, tuple[int, int]] = {}
    for key, ref, total in zip(keys.tolist(), refs.tolist(), smoothed.tolist(), strict=True):
        if ref not in best or total > best[ref][1]:
            best[ref] = (key, total)
    ranked = sorted(best.values(), key=lambda item: -item[1])
    return {key: total for key, total in ranked}, [key for key, _ in ranked]


def _near_pose(
    turn: npt.NDArray[np.int64], scale: npt.NDArray[np.int64], key: int
) -> npt.NDArray[np.bool_]:
    key_turn = (key // _SCALE_BINS) % _TURN_BINS
    key_scale = key % _SCALE_BINS
    turn_gap = np.minimum((turn - key_turn) % _TURN_BINS, (key_turn - turn) % _TURN_BINS)
    return (turn_gap <= 1) & (np.abs(scale - key_scale) <= 1)


def _packed_ids(ref_id: int, poses: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    if not 0 <= ref_id < 1 << (63 - _REF_SHIFT):
        raise ValueError(f"reference id {ref_id} is out of the image index's range")
    angle = poses[:, 0].astype(np.int64) & (_ANGLE_STEPS - 1)
    level = poses[:, 1].astype(np.int64) & ((1 << _LEVEL_BITS) - 1)
    return (
        (np.int64(ref_id) << _REF_SHIFT)
        | (angle << (_KEYPOINT_BITS + _LEVEL_BITS))
        | (level << _KEYPOINT_BITS)
        | np.arange(len(poses), dtype=np.int64)
    )
