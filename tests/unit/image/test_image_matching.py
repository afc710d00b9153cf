"""The two tiers find what pirates make of a picture, say where it is, and nothing else."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageOps

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.image import ImageIndex, ImageSignal
from swordnet.modalities.image.binary_index import BinaryCodeIndex, BinaryIndexParams
from swordnet.modalities.image.borders import content_box
from swordnet.modalities.image.signal import synthetic_picture
from swordnet.modalities.image.transforms import crop, picture_in_picture
from swordnet.plugins.signals import Fingerprint, MediaInput

SIGNAL = ImageSignal()


def _fingerprint(image: Image.Image, role: str = "query") -> Fingerprint:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    media = MediaInput(name="picture.jpg", data=buffer.getvalue())
    return SIGNAL.fingerprint(media, role="reference" if role == "reference" else "query")


@pytest.fixture(scope="module")
def pictures() -> list[Image.Image]:
    return [synthetic_picture(seed, (640, 480)) for seed in range(100, 104)]


@pytest.fixture(scope="module")
def index(pictures: list[Image.Image]) -> ImageIndex:
    built = SIGNAL.new_index()
    for ref_id, picture in enumerate(pictures, start=1):
        built.add(ref_id, _fingerprint(picture, "reference"))
    return built


def _iou(a: tuple[tuple[int, int], tuple[int, int]], b: tuple[int, int, int, int]) -> float:
    (ax0, ay0), (ax1, ay1) = a
    bx0, by0, bx1, by1 = b
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union


@pytest.mark.parametrize("turn", ["mirror", "rotate90"])
def test_mirrored_and_turned_copies_match_through_the_global_tier(
    index: ImageIndex, pictures: list[Image.Image], turn: str
) -> None:
    picture = pictures[1]
    query = ImageOps.mirror(picture) if turn == "mirror" else picture.rotate(90, expand=True)
    hits = index.query(_fingerprint(query))
    assert hits[0].ref_id == 2
    assert hits[0].details["tier"] == "global"
    assert hits[0].details["turn"] != "identity"


def test_a_crop_matches_through_the_local_tier_with_the_cropped_region(
    index: ImageIndex, pictures: list[Image.Image]
) -> None:
    window = (200, 120, 520, 400)  # under half of the picture
    hits = index.query(_fingerprint(pictures[2].crop(window)))
    assert [hit.ref_id for hit in hits] == [3]
    assert hits[0].details["tier"] == "local"
    segment = hits[0].segments[0]
    assert segment.unit == "px"
    assert _iou(segment.reference, window) > 0.85


def test_picture_in_picture_locates_the_work_inside_the_query(
    index: ImageIndex, pictures: list[Image.Image]
) -> None:
    backdrop = synthetic_picture(999, (640, 480))
    query = picture_in_picture(pictures[3], random.Random(5), 0.5, backdrop)
    truth = _find_inset(np.asarray(query), np.asarray(backdrop.resize(query.size)))
    hits = index.query(_fingerprint(query))
    assert hits[0].ref_id == 4
    assert _iou(hits[0].segments[0].query, truth) > 0.8
    assert _iou(hits[0].segments[0].reference, (0, 0, 640, 480)) > 0.9


def _find_inset(query: np.ndarray, backdrop: np.ndarray) -> tuple[int, int, int, int]:
    changed = np.abs(query.astype(int) - backdrop.astype(int)).sum(axis=2) > 0
    rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    return int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1


def test_unrelated_and_flat_pictures_match_nothing(index: ImageIndex) -> None:
    assert index.query(_fingerprint(synthetic_picture(555))) == []
    flat = Image.new("RGB", (300, 200), (90, 120, 150))
    fingerprint = _fingerprint(flat)
    assert fingerprint.meta["pdq_quality"] < 50  # PDQ says its own hash is not to be trusted
    assert index.query(fingerprint) == []


def test_serialised_index_answers_the_same_and_forgets_removed(
    index: ImageIndex, pictures: list[Image.Image]
) -> None:
    query = _fingerprint(crop(pictures[0], random.Random(1), 0.5))
    restored = SIGNAL.load_index(index.serialize())
    assert restored.ref_ids() == {1, 2, 3, 4}
    assert [h.ref_id for h in restored.query(query)] == [h.ref_id for h in index.query(query)]
    restored.remove(1)
    assert all(hit.ref_id != 1 for hit in restored.query(query))
    restored.add(1, _fingerprint(pictures[0], "reference"))
    assert restored.query(query)[0].ref_id == 1


def test_frames_and_files_give_the_same_features(pictures: list[Image.Image]) -> None:
    frame = np.asarray(pictures[0])
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="PNG")
    from_file = SIGNAL.extract(MediaInput(name="frame.png", data=buffer.getvalue()))
    from_frame = SIGNAL.extract_frame(frame)
    assert np.array_equal(from_file.pdq, from_frame.pdq)
    assert np.array_equal(from_file.descriptors, from_frame.descriptors)
    with pytest.raises(CorruptMediaError):
        SIGNAL.extract_frame(np.zeros((10, 10), dtype=np.uint8))


def test_inverted_lists_find_what_the_flat_index_finds() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, size=(4000, 32), dtype=np.uint8)
    ids = np.arange(4000, dtype=np.int64) * 3
    flat = BinaryCodeIndex(BinaryIndexParams(flat_limit=10_000))
    inverted = BinaryCodeIndex(BinaryIndexParams(flat_limit=1000, nprobe=16))
    flat.add(codes, ids)
    inverted.add(codes, ids)
    assert not flat.is_inverted and inverted.is_inverted
    queries = codes[:50]
    assert np.array_equal(flat.search(queries, 1)[1], inverted.search(queries, 1)[1])
    restored = BinaryCodeIndex.deserialize(inverted.serialize(), inverted.params)
    restored.remove(ids[:1])
    assert restored.search(queries[:1], 1)[1][0, 0] != ids[0]
    assert len(restored) == 3999


def test_borders_are_trimmed_but_a_plain_edge_inside_the_picture_is_kept() -> None:
    picture = np.asarray(synthetic_picture(7, (200, 100)))
    letterboxed = np.zeros((160, 200, 3), dtype=np.uint8)
    letterboxed[30:130] = picture
    assert content_box(letterboxed) == (0, 30, 200, 130)
    assert content_box(picture) == (0, 0, 200, 100)
