"""Fusing audio hits with visual segments."""

from __future__ import annotations

from swordnet.domain.matching import IndexHit, Segment
from swordnet.modalities.video.align import AlignedSegment
from swordnet.modalities.video.fusion import fuse_audio


def _visual(q: tuple[float, float], r: tuple[float, float], score: float = 0.8) -> AlignedSegment:
    return AlignedSegment(query=q, reference=r, speed=1.0, score=score, frames=8, evidence=6.0)


def _audio(q: tuple[float, float], r: tuple[float, float], score: float = 0.7) -> IndexHit:
    return IndexHit(1, score, (Segment(q, r, "s"),), {"z": 30.0})


def test_audio_alone_gives_a_segment() -> None:
    (segment,) = fuse_audio([], [_audio((5.0, 20.0), (0.0, 15.0))], duration_s=60.0, occupied=[])
    assert segment.query == (5.0, 20.0) and segment.score == 0.7


def test_agreeing_audio_raises_the_score_and_extends_the_range() -> None:
    (segment,) = fuse_audio(
        [_visual((5.0, 10.0), (0.0, 5.0))],
        [_audio((4.5, 20.0), (-0.5, 15.0))],
        duration_s=60.0,
        occupied=[],
    )
    assert segment.score > 0.9
    # 10 s more at the end; the half second at the start is within the audio's precision.
    assert segment.query == (5.0, 20.0) and segment.reference == (0.0, 15.0)


def test_audio_a_second_off_leaves_the_pictures_ends() -> None:
    (segment,) = fuse_audio(
        [_visual((5.3, 19.6), (0.3, 14.6))],
        [_audio((5.0, 20.0), (0.0, 15.0))],
        duration_s=60.0,
        occupied=[],
    )
    assert segment.query == (5.3, 19.6) and segment.reference == (0.3, 14.6)


def test_audio_does_not_extend_over_another_work() -> None:
    (segment,) = fuse_audio(
        [_visual((0.0, 10.0), (30.0, 40.0))],
        [_audio((0.0, 20.0), (30.0, 50.0))],
        duration_s=60.0,
        occupied=[(9.5, 22.0)],
    )
    assert segment.query == (0.0, 10.0)


def test_a_weaker_reading_of_the_same_seconds_is_dropped() -> None:
    (segment,) = fuse_audio(
        [_visual((0.0, 10.0), (30.0, 40.0))],
        [_audio((0.0, 10.0), (0.0, 10.0))],  # a repeated tune, at another offset
        duration_s=60.0,
        occupied=[],
    )
    assert segment.reference == (30.0, 40.0)


def test_audio_elsewhere_in_the_query_is_a_second_segment() -> None:
    segments = fuse_audio(
        [_visual((0.0, 10.0), (30.0, 40.0))],
        [_audio((20.0, 30.0), (0.0, 10.0))],
        duration_s=60.0,
        occupied=[],
    )
    assert [s.query for s in segments] == [(0.0, 10.0), (20.0, 30.0)]


def test_segments_are_clipped_to_the_reference() -> None:
    (segment,) = fuse_audio([_visual((0.0, 12.0), (50.0, 62.0))], [], duration_s=60.0, occupied=[])
    assert segment.reference == (50.0, 60.0) and segment.query == (0.0, 10.0)


def test_audio_alone_at_an_implausible_speed_is_dropped() -> None:
    slow = IndexHit(1, 0.6, (Segment((0.0, 10.0), (0.0, 6.0), "s"),), {"z": 11.0})
    assert fuse_audio([], [slow], duration_s=60.0, occupied=[]) == []
