"""Geometric verification: do the matched keypoints agree on one plane-to-plane mapping?

A homography fitted by RANSAC maps reference points onto query points. Random descriptor
matches between unrelated pictures rarely agree on one, so the count of inliers is the
evidence. The homography also says where the work sits: the reference's outline projected
into the query, and the query's outline projected back into the reference, give the two
boxes of the match.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Box = tuple[int, int, int, int]
Points = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class VerifyParams:
    min_inliers: int = 12
    reprojection_share: float = 0.01  # RANSAC tolerance as a share of the query's long side
    min_area_share: float = 0.004  # the matched region must cover this much of the query
    max_scale_change: float = 30.0
    max_anisotropy: float = 1.5  # copies keep their aspect; a photo of a screen bends it a little
    ransac_iterations: int = 1000
    similarity_tolerance: float = (
        3.0  # times the homography's: a photo of a screen is no similarity
    )


@dataclass(frozen=True, slots=True)
class Verification:
    inliers: int
    inlier_share: float  # of the candidate correspondences
    anisotropy: float  # ratio of the mapping's two scales: 1 for a similarity
    query_box: Box
    reference_box: Box


def verify_homography(
    reference_points: Points,
    query_points: Points,
    reference_size: tuple[int, int],
    query_size: tuple[int, int],
    params: VerifyParams | None = None,
) -> Verification | None:
    """Fit reference -> query; return the match, or ``None`` if the geometry does not hold."""
    params = params or VerifyParams()
    if len(reference_points) < params.min_inliers:
        return None
    candidates = len(reference_points)
    tolerance = params.reprojection_share * max(query_size)
    # A similarity (2-point samples) first: cheap even when most votes are chance, which
    # is the common case. Only its inliers go on to the full homography.
    _similarity, similar_mask = cv2.estimateAffinePartial2D(
        reference_points.reshape(-1, 1, 2),
        query_points.reshape(-1, 1, 2),
        method=cv2.RANSAC,
        ransacReprojThreshold=params.similarity_tolerance * tolerance,
        maxIters=params.ransac_iterations,
        confidence=0.995,
    )
    if similar_mask is None or int(similar_mask.sum()) < params.min_inliers:
        return None
    similar = similar_mask.ravel().astype(bool)
    reference_points, query_points = reference_points[similar], query_points[similar]
    fitted, mask = cv2.findHomography(
        reference_points.reshape(-1, 1, 2),
        query_points.reshape(-1, 1, 2),
        cv2.RANSAC,
        tolerance,
        maxIters=params.ransac_iterations,
        confidence=0.995,
    )
    if fitted is None or mask is None:
        return None
    homography: npt.NDArray[np.float64] = np.asarray(fitted, dtype=np.float64)
    inlier_mask = mask.ravel().astype(bool)
    inliers = _distinct_points(query_points[inlier_mask])
    if inliers < params.min_inliers or not _plausible(homography, params):
        return None
    if _spread_area(query_points[inlier_mask]) < params.min_area_share * _area(query_size) / 4:
        return None  # every inlier on one small patch: a shared logo or text, not the work
    reference_outline = _project(homography, _outline(reference_size))
    if not cv2.isContourConvex(reference_outline.astype(np.float32).reshape(-1, 1, 2)):
        return None
    anisotropy = _anisotropy(homography, _centre(reference_points[inlier_mask]))
    if anisotropy > params.max_anisotropy:
        return None
    query_box = _clip_box(reference_outline, query_size)
    try:
        inverse = np.asarray(np.linalg.inv(homography), dtype=np.float64)
    except np.linalg.LinAlgError:
        return None
    reference_box = _clip_box(_project(inverse, _outline(query_size)), reference_size)
    if _box_area(query_box) < params.min_area_share * _area(query_size):
        return None
    if _box_area(reference_box) == 0:
        return None
    return Verification(
        inliers,
        inliers / candidates,
        anisotropy,
        query_box,
        reference_box,
    )


def _centre(points: Points) -> tuple[float, float]:
    return float(points[:, 0].mean()), float(points[:, 1].mean())


def _anisotropy(homography: npt.NDArray[np.float64], at: tuple[float, float]) -> float:
    """How far the mapping is from a similarity, measured where the match is."""
    x, y = at
    denominator = homography[2, 0] * x + homography[2, 1] * y + homography[2, 2]
    mapped_x = (homography[0, 0] * x + homography[0, 1] * y + homography[0, 2]) / denominator
    mapped_y = (homography[1, 0] * x + homography[1, 1] * y + homography[1, 2]) / denominator
    jacobian = (
        np.array(
            [
                [
                    homography[0, 0] - mapped_x * homography[2, 0],
                    homography[0, 1] - mapped_x * homography[2, 1],
                ],
                [
                    homography[1, 0] - mapped_y * homography[2, 0],
                    homography[1, 1] - mapped_y * homography[2, 1],
                ],
            ]
        )
        / denominator
    )
    singular = np.linalg.svd(jacobian, compute_uv=False)
    return float(singular[0] / max(singular[1], 1e-9))


def _plausible(homography: npt.NDArray[np.float64], params: VerifyParams) -> bool:
    linear = homography[:2, :2] / homography[2, 2]
    determinant = float(np.linalg.det(linear))
    # A mirror (negative determinant) cannot come from ORB, which is not mirror invariant;
    # a huge or tiny scale is what RANSAC finds when it fits noise.
    if determinant <= 0:
        return False
    scale = float(np.sqrt(determinant))
    if not 1 / params.max_scale_change <= scale <= params.max_scale_change:
        return False
    perspective = float(np.abs(homography[2, :2] / homography[2, 2]).max())
    return perspective < 0.01


def _distinct_points(points: Points) -> int:
    return len(np.unique(np.round(points).astype(np.int32), axis=0)) if len(points) else 0


def _spread_area(points: Points) -> float:
    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(points.reshape(-1, 1, 2).astype(np.float32))
    return float(cv2.contourArea(hull))


def _outline(size: tuple[int, int]) -> npt.NDArray[np.float64]:
    width, height = size
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)


def _project(
    homography: npt.NDArray[np.float64], points: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    projected = cv2.perspectiveTransform(points.reshape(-1, 1, 2), homography)
    return np.asarray(projected, dtype=np.float64).reshape(-1, 2)


def _clip_box(points: npt.NDArray[np.float64], size: tuple[int, int]) -> Box:
    width, height = size
    x0 = int(np.clip(np.floor(points[:, 0].min()), 0, width))
    y0 = int(np.clip(np.floor(points[:, 1].min()), 0, height))
    x1 = int(np.clip(np.ceil(points[:, 0].max()), 0, width))
    y1 = int(np.clip(np.ceil(points[:, 1].max()), 0, height))
    return x0, y0, x1, y1


def _box_area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def _area(size: tuple[int, int]) -> float:
    return float(size[0] * size[1])
