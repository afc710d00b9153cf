"""Near-duplicate documents (mirror sites) with MinHash LSH; the scheme travels along."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from swordnet.modalities.text.neardup import (
    SCHEME,
    NearDuplicateIndex,
    cluster_near_duplicates,
    sketch,
    sketch_from_bytes,
    sketch_to_bytes,
)
from swordnet.modalities.text.normalize import normalise
from swordnet.modalities.text.winnow import token_grams


def sketch_of(text: str) -> LeanMinHash:
    return sketch(token_grams(normalise(text), 10, 4).hashes)


def article(rng: random.Random, words: int) -> str:
    vocabulary = ["".join(rng.choices("abcdefghijklmnop", k=rng.randint(2, 8))) for _ in range(700)]
    return " ".join(rng.choices(vocabulary, k=words))


def test_sketch_bytes_keep_the_permutation_scheme() -> None:
    original = sketch_of(article(random.Random(1), 800))
    restored = sketch_from_bytes(sketch_to_bytes(original))
    assert restored.scheme == SCHEME == "affine64"
    assert np.array_equal(restored.hashvalues, original.hashvalues)


def test_index_refuses_sketches_of_another_scheme() -> None:
    index = NearDuplicateIndex()
    index.add_many([(1, sketch_of(article(random.Random(2), 500)))])
    legacy = LeanMinHash(MinHash(num_perm=128, scheme="affine32"))
    with pytest.raises(ValueError, match="scheme"):
        index.query(legacy)


def test_mirrors_cluster_together_and_apart_from_other_documents() -> None:
    rng = random.Random(3)
    one, two = article(rng, 1500), article(rng, 1500)
    sketches = {
        "site-a/ch1": sketch_of(one),
        "mirror-b/ch1": sketch_of("Home | Books | Login\n" + one + "\nAll rights reserved"),
        "mirror-c/ch1": sketch_of(one.upper()),
        "site-a/ch2": sketch_of(two),
        "excerpt": sketch_of(one[: len(one) // 5]),
    }
    groups = cluster_near_duplicates(sketches)
    assert groups[0] == ["mirror-b/ch1", "mirror-c/ch1", "site-a/ch1"]
    assert sorted(map(len, groups)) == [1, 1, 3]


def test_removal_and_round_trip() -> None:
    rng = random.Random(4)
    texts = {i: article(rng, 900) for i in (1, 2, 3)}
    index = NearDuplicateIndex()
    index.add_many((i, sketch_of(t)) for i, t in texts.items())
    index.remove(2)
    restored = NearDuplicateIndex.deserialize_from(index.serialize_into())
    assert [i for i, _ in restored.query(sketch_of(texts[1]))] == [1]
    assert restored.query(sketch_of(texts[2])) == []
