"""The video index end to end on generated clips: excerpts, compilations, flips, negatives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from swordnet.modalities.video import VideoIndex, VideoSignal
from swordnet.modalities.video import transforms as pirate
from swordnet.modalities.video.payload import VideoFeatures
from swordnet.plugins.signals import MediaInput


@pytest.fixture(scope="module")
def indexed(clips: dict[str, Path]) -> tuple[VideoSignal, VideoIndex]:
    signal = VideoSignal()
    index = signal.new_index()
    for ref_id, key in enumerate(("a", "b"), start=1):
        index.add(ref_id, signal.fingerprint(MediaInput.from_path(clips[key]), role="reference"))
    return signal, index


def _query(signal: VideoSignal, index: VideoIndex, path: Path) -> dict[int, list[tuple]]:
    hits = index.query(signal.fingerprint(MediaInput.from_path(path)))
    return {hit.ref_id: [(s.query, s.reference) for s in hit.segments] for hit in hits}


def test_compilation_of_two_works_inside_unrelated_video(
    indexed: tuple[VideoSignal, VideoIndex], clips: dict[str, Path], tmp_path: Path
) -> None:
    signal, index = indexed
    out = tmp_path / "compilation.mp4"
    parts = [(clips["c"], 0.0, 9.0), (clips["a"], 12.0, 10.0), (clips["b"], 3.0, 9.0)]
    pirate.concatenate(parts, out)
    found = _query(signal, index, out)
    assert set(found) == {1, 2}
    (query_a, ref_a), *_ = found[1]
    assert abs(query_a[0] - 9.0) <= 2.0 and abs(query_a[1] - 19.0) <= 2.0
    assert abs(ref_a[0] - 12.0) <= 2.0 and abs(ref_a[1] - 22.0) <= 2.0
    (query_b, ref_b), *_ = found[2]
    assert abs(query_b[0] - 19.0) <= 2.0 and abs(ref_b[0] - 3.0) <= 2.0


def test_flipped_and_sped_up_copy(
    indexed: tuple[VideoSignal, VideoIndex], clips: dict[str, Path], tmp_path: Path
) -> None:
    signal, index = indexed
    rng = random.Random(3)
    flipped = tmp_path / "flip.mp4"
    pirate.simple("flip", clips["b"], flipped, 5.0, 15.0, rng)
    assert list(_query(signal, index, flipped)) == [2]
    faster = tmp_path / "fast.mp4"
    pirate.simple("speed_1.1", clips["a"], faster, 4.0, 16.0, rng)
    ((_, reference),) = _query(signal, index, faster)[1]
    assert abs(reference[0] - 4.0) <= 2.0 and abs(reference[1] - 20.0) <= 2.0


def test_unrelated_video_matches_nothing(
    indexed: tuple[VideoSignal, VideoIndex], clips: dict[str, Path]
) -> None:
    signal, index = indexed
    assert _query(signal, index, clips["c"]) == {}


def test_visual_evidence_alone_suffices(
    indexed: tuple[VideoSignal, VideoIndex], clips: dict[str, Path], tmp_path: Path
) -> None:
    signal, index = indexed
    out = tmp_path / "camcord.mp4"  # perspective, blur, colour; the music is replaced
    pirate.simple("camcord", clips["a"], out, 2.0, 14.0, random.Random(5))
    assert 1 in _query(signal, index, out)


def test_payload_and_index_round_trip(
    indexed: tuple[VideoSignal, VideoIndex], clips: dict[str, Path]
) -> None:
    signal, index = indexed
    fingerprint = signal.fingerprint(MediaInput.from_path(clips["silent"]))
    features = VideoFeatures.from_payload(fingerprint.payload)
    assert features.audio == b"" and len(features.frames) == len(features.times) > 5
    assert VideoFeatures.from_payload(features.to_payload()).to_payload() == fingerprint.payload
    restored = VideoIndex.deserialize(index.serialize())
    assert restored.ref_ids() == {1, 2}
    assert abs(restored.reference_seconds() - 48.0) < 1.0


def test_a_silent_work_picture_in_picture_is_found_by_its_inset(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    signal = VideoSignal()
    index = signal.new_index()
    index.add(3, signal.fingerprint(MediaInput.from_path(clips["silent"]), role="reference"))
    index.add(1, signal.fingerprint(MediaInput.from_path(clips["a"]), role="reference"))
    out = tmp_path / "pip.mp4"  # the silent work at half size over clip c; no soundtrack
    pirate.picture_in_picture(clips["silent"], clips["c"], out, 1.0, 10.0, random.Random(2))
    features = signal.extract(out, name="pip.mp4")
    assert features.inset_flags().sum() == len(features.frames) // 2
    found = _query(signal, index, out)
    assert list(found) == [3]
    (query, reference), *_ = found[3]
    assert query[0] <= 2.0 and query[1] >= 8.0 and abs(reference[0] - 1.0 - query[0]) <= 1.0
    restored = VideoFeatures.from_payload(features.to_payload())
    assert (restored.inset_flags() == features.inset_flags()).all()
    assert (restored.cut_flags() == features.cut_flags()).all()
