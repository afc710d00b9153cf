"""Temporal alignment of frame matches into copied segments."""

from __future__ import annotations

import numpy as np

from swordnet.modalities.video.align import align_matches, refine_offset


def _line(q0: float, q1: float, speed: float, offset: float) -> tuple[np.ndarray, np.ndarray]:
    q = np.arange(q0, q1, 1.0)
    return q, speed * q + offset


def test_one_copy_among_chance_matches() -> None:
    rng = np.random.default_rng(1)
    q, r = _line(300.0, 315.0, 1.0, -250.0)  # 10 s inside a long upload
    noise_q, noise_r = rng.uniform(0, 3600, 40), rng.uniform(0, 120, 40)
    segments = align_matches(
        np.concatenate([q, noise_q]),
        np.concatenate([r, noise_r]),
        np.concatenate([np.full(len(q), 0.9), np.full(40, 0.55)]),
        step_s=1.0,
    )
    assert len(segments) == 1
    (segment,) = segments
    assert abs(segment.query[0] - 300.0) <= 1.0 and abs(segment.query[1] - 315.0) <= 1.0
    assert abs(segment.reference[0] - 50.0) <= 1.0 and abs(segment.speed - 1.0) < 0.03
    assert 0.0 < segment.score <= 1.0


def test_speed_change_is_recovered() -> None:
    q, r = _line(0.0, 30.0, 1.1, 12.0)
    (segment,) = align_matches(q, r, np.full(len(q), 0.9), step_s=1.0)
    assert abs(segment.speed - 1.1) < 0.02
    assert abs(segment.reference[1] - (1.1 * 30.0 + 12.0)) <= 1.5


def test_two_parts_of_one_reference_give_two_segments() -> None:
    q1, r1 = _line(0.0, 12.0, 1.0, 40.0)
    q2, r2 = _line(30.0, 45.0, 1.0, -25.0)
    segments = align_matches(
        np.concatenate([q1, q2]), np.concatenate([r1, r2]), np.full(27, 0.9), step_s=1.0
    )
    starts = sorted(round(s.reference[0]) for s in segments)
    assert len(segments) == 2 and abs(starts[0] - 5) <= 1 and abs(starts[1] - 40) <= 1


def test_scattered_matches_give_nothing() -> None:
    rng = np.random.default_rng(2)
    segments = align_matches(
        rng.uniform(0, 600, 60), rng.uniform(0, 600, 60), np.full(60, 0.6), step_s=1.0
    )
    assert segments == []


def test_still_shot_smear_keeps_speed_one() -> None:
    # Each query frame of a still shot matches the reference frames around it.
    q = np.repeat(np.arange(0.0, 10.0), 3)
    r = q + np.tile([-1.0, 0.0, 1.0], 10) + 20.0
    (segment,) = align_matches(q, r, np.full(len(q), 0.9), step_s=1.0)
    assert segment.speed == 1.0 and abs(segment.reference[0] - 19.5) <= 1.0


def test_a_copy_cut_in_at_a_shot_change_starts_and_ends_there() -> None:
    # Sampled once a second, plus the first frames of the shots at 20.4 and 35.7.
    sampled = np.sort(np.concatenate([np.arange(0.0, 50.0), [20.4, 35.7]]))
    cuts = np.isin(sampled, [20.4, 35.7])
    q = sampled[(sampled >= 20.4) & (sampled < 35.7)]
    (segment,) = align_matches(
        q, q + 100.0, np.full(len(q), 0.9), step_s=1.0, sampled=sampled, cuts=cuts
    )
    assert segment.query == (20.4, 35.7)
    # Without the cuts the ends are halfway to the next sampled frame.
    (plain,) = align_matches(q, q + 100.0, np.full(len(q), 0.9), step_s=1.0, sampled=sampled)
    assert plain.query == (20.2, 35.35)


def test_the_reference_range_is_placed_between_sampled_frames() -> None:
    # The copy starts 0.3 s into the reference; both sides sampled on whole seconds, so
    # each query frame's nearest reference frame is 0.3 s off, the next one 0.7 s.
    q = np.arange(0.0, 12.0)
    (segment,) = align_matches(q, q, np.full(len(q), 0.9), step_s=1.0)
    assert segment.reference[0] == 0.0
    query_times = np.repeat(q, 2)
    ref_times = np.stack([q, q + 1.0], axis=1).reshape(-1)
    bits = np.tile([9.0, 21.0], len(q))  # distance grows with the time between frames
    refined = refine_offset(segment, query_times, ref_times, bits)
    assert abs(refined.reference[0] - 0.3) < 0.05 and refined.query == segment.query
    # One matched frame a query frame is no evidence: the range stays.
    assert refine_offset(segment, q, q, np.full(len(q), 9.0)) == segment


def test_a_segment_grows_over_weaker_matches_on_its_line() -> None:
    # A still last shot: the last three query frames match a wrong frame best, and the
    # right one only second best, so they do not vote; they still carry the segment on.
    q = np.arange(0.0, 15.0)
    sampled = np.arange(0.0, 15.0)
    voting = q[:12]
    support = (
        np.concatenate([q, q[12:]]),
        np.concatenate([q + 40.0, q[12:] + 55.0]),
        np.zeros(len(q) + 3),
    )
    (plain,) = align_matches(voting, voting + 40.0, np.full(12, 0.9), step_s=1.0, sampled=sampled)
    (grown,) = align_matches(
        voting, voting + 40.0, np.full(12, 0.9), step_s=1.0, sampled=sampled, support=support
    )
    assert plain.query[1] == 11.5 and grown.query[1] == 14.5
    assert grown.reference[1] == 54.5
    # A frame with no match on the line stops it.
    cut_short = (support[0][:-4], support[1][:-4], support[2][:-4])
    (partly,) = align_matches(
        voting, voting + 40.0, np.full(12, 0.9), step_s=1.0, sampled=sampled, support=cut_short
    )
    assert partly.query[1] == 13.5
