from __future__ import annotations

import json

from swordnet.domain.matching import Match, Segment


def test_segment_round_trips_through_json() -> None:
    box = Segment(((1, 2), (30, 40)), ((0, 0), (60, 80)), "px")
    assert Segment.from_json(json.loads(json.dumps(box.to_json()))) == box
    span = Segment((10, 20), (110, 120), "char")
    assert Segment.from_json(span.to_json()) == span


def test_match_json_has_the_cli_contract_fields() -> None:
    match = Match(
        "q.txt",
        "text",
        "text",
        3,
        "Title",
        7,
        "/ref.txt",
        0.91234567,
        (Segment((0, 5), (10, 15), "char"),),
    )
    assert match.to_json() == {
        "query": "q.txt",
        "work_id": 3,
        "work_title": "Title",
        "reference": "/ref.txt",
        "modality": "text",
        "score": 0.912346,
        "segments": [{"query": [0, 5], "reference": [10, 15], "unit": "char"}],
        "details": {},
    }
