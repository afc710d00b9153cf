"""The image index: the global PDQ tier first, the local ORB tier for what it misses.

Scores from both tiers share one scale so that one operating threshold serves the whole
suite. A PDQ match within distance 31 is rarely wrong, so the global tier scores
``1 - d / 128`` (0.76 at d = 31); the local tier rises from 0.5 at its minimum inlier
count towards 1.0 as inliers accumulate, and weak local evidence ranks below any global
match (see ``docs/image.md``).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Self

import numpy as np

from swordnet.domain.matching import IndexHit, Segment
from swordnet.modalities.image.binary_index import BinaryCodeIndex
from swordnet.modalities.image.features import Box, ImageFeatures
from swordnet.modalities.image.global_index import GlobalIndex, GlobalParams
from swordnet.modalities.image.local_index import LocalIndex, LocalParams, LocalReference
from swordnet.modalities.image.verify import VerifyParams
from swordnet.plugins.signals import Fingerprint, SignalIndex

LocalTierPolicy = Literal["always", "on_global_miss"]


@dataclass(frozen=True, slots=True)
class ImageIndexParams:
    global_tier: GlobalParams = field(default_factory=GlobalParams)
    local_tier: LocalParams = field(default_factory=LocalParams)
    run_local: LocalTierPolicy = "on_global_miss"
    local_score_scale: float = 20.0  # inliers above the minimum that take the score to ~0.82


@dataclass(frozen=True, slots=True)
class _ReferenceShape:
    width: int
    height: int
    content: Box


class ImageIndex(SignalIndex):
    def __init__(self, params: ImageIndexParams | None = None) -> None:
        self.params = params or ImageIndexParams()
        self.global_tier = GlobalIndex(self.params.global_tier)
        self.local_tier = LocalIndex(self.params.local_tier)
        self._shapes: dict[int, _ReferenceShape] = {}

    # -- building ---------------------------------------------------------------
    def add(self, ref_id: int, fingerprint: Fingerprint) -> None:
        self.add_features(ref_id, ImageFeatures.from_payload(fingerprint.payload))

    def add_features(self, ref_id: int, features: ImageFeatures) -> None:
        self.global_tier.add(ref_id, features)
        self.local_tier.add(ref_id, features)
        self._shapes[ref_id] = _ReferenceShape(features.width, features.height, features.content)

    def remove(self, ref_id: int) -> None:
        self.global_tier.remove(ref_id)
        self.local_tier.remove(ref_id)
        self._shapes.pop(ref_id, None)

    def ref_ids(self) -> set[int]:
        return set(self._shapes)

    # -- querying ---------------------------------------------------------------
    def query(self, fingerprint: Fingerprint) -> list[IndexHit]:
        return self.query_features(ImageFeatures.from_payload(fingerprint.payload))

    def query_features(self, features: ImageFeatures) -> list[IndexHit]:
        hits: dict[int, IndexHit] = {}
        max_distance = self.params.global_tier.max_distance
        for match in self.global_tier.query(features):
            shape = self._shapes[match.ref_id]
            hits[match.ref_id] = IndexHit(
                ref_id=match.ref_id,
                score=round(1.0 - match.distance / (4 * (max_distance + 1)), 6),
                segments=(_box_segment(features.content, shape.content),),
                details={"tier": "global", "pdq_distance": match.distance, "turn": match.variant},
            )
        if self.params.run_local == "always" or not hits:
            minimum = self.params.local_tier.verify.min_inliers
            for local in self.local_tier.query(features):
                check = local.verification
                score = 0.5 + 0.5 * (
                    1.0 - math.exp(-(check.inliers - minimum) / self.params.local_score_scale)
                )
                if local.ref_id in hits and hits[local.ref_id].score >= score:
                    continue
                hits[local.ref_id] = IndexHit(
                    ref_id=local.ref_id,
                    score=round(score, 6),
                    segments=(_box_segment(check.query_box, check.reference_box),),
                    details={
                        "tier": "local",
                        "inliers": check.inliers,
                        "votes": local.votes,
                        "inlier_share": round(check.inlier_share, 4),
                        "anisotropy": round(check.anisotropy, 3),
                    },
                )
        return sorted(hits.values(), key=lambda hit: (-hit.score, hit.ref_id))

    # -- persistence ------------------------------------------------------------
    def serialize(self) -> bytes:
        ids = sorted(self._shapes)
        local_ids = sorted(self.local_tier.references)
        local_refs = [self.local_tier.references[i] for i in local_ids]
        buffer = io.BytesIO()
        np.savez(
            buffer,
            params=np.frombuffer(json.dumps(asdict(self.params)).encode(), dtype=np.uint8),
            shapes=np.array(
                [
                    [i, s.width, s.height, *s.content]
                    for i, s in ((i, self._shapes[i]) for i in ids)
                ],
                dtype=np.int64,
            ).reshape(-1, 7),
            global_codes=self.global_tier.codes.serialize(),
            global_ids=np.array(sorted(self.global_tier.indexed), dtype=np.int64),
            local_ids=np.array(local_ids, dtype=np.int64),
            local_counts=np.array([len(r.descriptors) for r in local_refs], dtype=np.int64),
            local_sizes=np.array([[r.width, r.height] for r in local_refs], np.int64).reshape(
                -1, 2
            ),
            local_keypoints=_stack([r.keypoints for r in local_refs], (0, 2), np.float32),
            local_descriptors=_stack([r.descriptors for r in local_refs], (0, 32), np.uint8),
            local_poses=_stack([r.poses for r in local_refs], (0, 2), np.uint8),
            local_codes=self.local_tier.codes.serialize(),
        )
        return buffer.getvalue()

    @classmethod
    def deserialize(cls, data: bytes) -> Self:
        with np.load(io.BytesIO(data)) as arrays:
            index = cls(_params_from_dict(json.loads(arrays["params"].tobytes().decode())))
            for ref_id, width, height, x0, y0, x1, y1 in arrays["shapes"].tolist():
                index._shapes[ref_id] = _ReferenceShape(width, height, (x0, y0, x1, y1))
            index.global_tier.codes = BinaryCodeIndex.deserialize(
                arrays["global_codes"], index.params.global_tier.codes
            )
            index.global_tier.indexed = set(arrays["global_ids"].tolist())
            keypoints, descriptors = arrays["local_keypoints"], arrays["local_descriptors"]
            poses = arrays["local_poses"]
            start = 0
            for ref_id, count, (width, height) in zip(
                arrays["local_ids"].tolist(),
                arrays["local_counts"].tolist(),
                arrays["local_sizes"].tolist(),
                strict=True,
            ):
                index.local_tier.references[ref_id] = LocalReference(
                    width,
                    height,
                    keypoints[start : start + count].copy(),
                    descriptors[start : start + count].copy(),
                    poses[start : start + count].copy(),
                )
                start += count
            index.local_tier.codes = BinaryCodeIndex.deserialize(
                arrays["local_codes"], index.params.local_tier.codes
            )
        return index


def _box_segment(query_box: Box, reference_box: Box) -> Segment:
    return Segment(
        query=((query_box[0], query_box[1]), (query_box[2], query_box[3])),
        reference=((reference_box[0], reference_box[1]), (reference_box[2], reference_box[3])),
        unit="px",
    )


def _stack(parts: list[Any], empty_shape: tuple[int, int], dtype: Any) -> Any:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(empty_shape, dtype)


def _params_from_dict(data: dict[str, Any]) -> ImageIndexParams:
    from swordnet.modalities.image.binary_index import BinaryIndexParams

    global_data = dict(data["global_tier"])
    global_data["codes"] = BinaryIndexParams(**global_data["codes"])
    local_data = dict(data["local_tier"])
    local_data["codes"] = BinaryIndexParams(**local_data["codes"])
    local_data["verify"] = VerifyParams(**local_data["verify"])
    return ImageIndexParams(
        global_tier=GlobalParams(**global_data),
        local_tier=LocalParams(**local_data),
        run_local=data["run_local"],
        local_score_scale=data["local_score_scale"],
    )
