"""Alignment: substitutions do not end a copy, unrelated text does, ads are bridged."""

from __future__ import annotations

import random

import numpy as np

from swordnet.modalities.text.align import (
    AlignParams,
    Extent,
    Texts,
    chain_extents,
    extend,
    window_extensions,
)

PARAMS = AlignParams()


def texts(query: str, reference: str) -> Texts:
    def codes(text: str) -> np.ndarray:
        return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)

    return Texts(query, codes(query), codes(reference))


def random_text(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))


def test_extension_runs_through_substitutions_and_stops_at_unrelated_text() -> None:
    rng = random.Random(1)
    copied = random_text(rng, 2000)
    changed = list(copied)
    for i in rng.sample(range(2000), 200):  # 10% substituted
        changed[i] = "○"
    query = "".join(changed) + random_text(rng, 300)
    reference = copied + random_text(rng, 300)
    length, equal = extend(texts(query, reference), 0, 0, True, PARAMS)
    assert 1990 <= length <= 2000
    assert equal == sum(a == b for a, b in zip(query[:length], reference[:length], strict=True))


def test_backward_extension_finds_the_start_of_the_copy() -> None:
    rng = random.Random(2)
    copied = random_text(rng, 500)
    query = random_text(rng, 100) + copied
    reference = random_text(rng, 40) + copied
    length, _ = extend(texts(query, reference), 600, 540, False, PARAMS)
    assert length == 500


def test_bulk_window_extension_matches_the_single_walk() -> None:
    rng = random.Random(3)
    copied = random_text(rng, 90)
    pad = "\uffff" * 64
    query = pad + random_text(rng, 30) + copied + random_text(rng, 30) + pad
    reference = pad + random_text(rng, 10) + copied + random_text(rng, 80) + pad
    pair = texts(query, reference)
    q, r = 64 + 30 + 40, 64 + 10 + 40  # a seed in the middle of the copy, 10 long
    result = window_extensions(
        pair.query_codes,
        pair.reference_codes.copy(),
        (np.array([q]), np.array([r]), np.array([10])),
        64,
        PARAMS,
    )
    assert int(result.right[0]) == extend(pair, q + 10, r + 10, True, PARAMS)[0] == 40
    assert int(result.left[0]) == extend(pair, q, r, False, PARAMS)[0] == 40
    assert not result.left_open[0] and not result.right_open[0]


def test_chaining_bridges_an_ad_line_but_not_a_jump_elsewhere() -> None:
    before = Extent(0, 300, 1000, 1300, 300)
    after_ad = Extent(340, 600, 1300, 1560, 260)  # 40 query characters of ad in between
    elsewhere = Extent(620, 900, 5000, 5280, 280)  # next copied part comes from far away
    chains = chain_extents([before, after_ad, elsewhere], PARAMS)
    assert [(c.q0, c.q1, c.r0, c.r1) for c in chains] == [
        (0, 600, 1000, 1560),
        (620, 900, 5000, 5280),
    ]
    assert chains[0].matched == 560
