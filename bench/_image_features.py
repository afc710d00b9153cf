"""Which local features for the local tier? ORB against SIFT (and AKAZE when OpenCV has it).

    .venv/bin/python bench/_image_features.py --corpus /work/corpus --pairs 30

Pairwise, no index: each query (a hard transform of a reference) is matched against its
own reference and against another one (500 keypoints at 768 px for references, 1500 at
1024 px for queries, as the signal uses), with a ratio test and a RANSAC homography; a pair
counts as matched with >= 12 inliers. Printed per detector: extraction CPU time at the
sizes the signal uses, recall per transform, and false pairs accepted.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np
from PIL import Image

from _image_data import corpus_sources, generated_sources
from swordnet.modalities.image.transforms import pirate_transforms

HARD = ("crop_50", "rotate_15", "text_overlay", "perspective_screen_photo", "pip_30")
MIN_INLIERS = 12


Maker = Callable[[int], cv2.Feature2D]


def _detectors() -> dict[str, tuple[Maker, int]]:
    found: dict[str, tuple[Maker, int]] = {
        "ORB": (lambda n: cv2.ORB.create(n, fastThreshold=12), cv2.NORM_HAMMING),
        "SIFT": (cv2.SIFT.create, cv2.NORM_L2),
    }
    akaze = getattr(cv2, "AKAZE_create", None)  # moved to opencv-contrib in OpenCV 5
    if akaze is not None:
        found["AKAZE"] = (lambda n: akaze(), cv2.NORM_HAMMING)
    return found


def _grey(image: Image.Image, side: int) -> np.ndarray:
    ratio = side / max(image.size)
    size = (round(image.width * ratio), round(image.height * ratio))
    return cv2.cvtColor(np.asarray(image.resize(size)), cv2.COLOR_RGB2GRAY)


def _inliers(matcher: cv2.DescriptorMatcher, query: tuple, reference: tuple) -> int:
    (q_points, q_desc), (r_points, r_desc) = query, reference
    if q_desc is None or r_desc is None or len(q_desc) < 2 or len(r_desc) < 2:
        return 0
    pairs = matcher.knnMatch(q_desc, r_desc, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return 0
    src = np.float32([r_points[m.trainIdx] for m in good])
    dst = np.float32([q_points[m.queryIdx] for m in good])
    _, mask = cv2.findHomography(src, dst, cv2.RANSAC, 8.0)
    return int(mask.sum()) if mask is not None else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--pairs", type=int, default=30)
    args = parser.parse_args()
    corpus = args.corpus or os.environ.get("SWORDNET_CORPUS")
    if corpus:
        sources = corpus_sources(Path(corpus), args.pairs, seed=11)
    else:
        sources = generated_sources(args.pairs, seed=11)
    references = [s.image for s in sources if s.is_reference]
    backdrops = [s.image for s in sources if not s.is_reference]
    transforms = pirate_transforms(backdrops)
    for name, (make, norm) in _detectors().items():
        detector, query_detector = make(500), make(1500)
        matcher = cv2.BFMatcher(norm)
        cpu = time.process_time()
        ref_features = []
        for image in references:
            keypoints, descriptors = detector.detectAndCompute(_grey(image, 768), None)
            ref_features.append(([k.pt for k in keypoints], descriptors))
        ref_ms = 1000 * (time.process_time() - cpu) / len(references)
        recalls, false_pairs, query_ms = {}, 0, []
        for transform in HARD:
            found = 0
            for number, image in enumerate(references):
                query = transforms[transform](image, random.Random(number))
                cpu = time.process_time()
                keypoints, descriptors = query_detector.detectAndCompute(_grey(query, 1024), None)
                query_ms.append(1000 * (time.process_time() - cpu))
                features = ([k.pt for k in keypoints], descriptors)
                found += _inliers(matcher, features, ref_features[number]) >= MIN_INLIERS
                other = ref_features[(number + 1) % len(references)]
                false_pairs += _inliers(matcher, features, other) >= MIN_INLIERS
            recalls[transform] = found / len(references)
        row = "  ".join(f"{t} {r:.2f}" for t, r in recalls.items())
        print(
            f"{name:28} ref {ref_ms:6.1f} ms  query {np.mean(query_ms):6.1f} ms CPU  "
            f"{row}  false pairs {false_pairs}"
        )


if __name__ == "__main__":
    main()
