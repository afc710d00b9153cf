"""The local-fingerprint index: partial copies found, spans right, quotation ignored."""

from __future__ import annotations

import random

import numpy as np
import pytest

from swordnet.modalities.text import TextSignal, transforms
from swordnet.modalities.text.index import TextIndex, TextIndexParams
from swordnet.modalities.text.normalize import normalise
from swordnet.modalities.text.transforms import Derived
from swordnet.modalities.text.winnow import token_grams, winnow

HANZI = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]


def chinese(rng: random.Random, chars: int) -> str:
    lines = []
    while sum(map(len, lines)) < chars:
        lines.append("".join(rng.choices(HANZI, k=rng.randint(15, 40))) + "。")
    return "\n".join(lines)


def english(rng: random.Random, words: int) -> str:
    vocabulary = ["".join(rng.choices("abcdefghij", k=rng.randint(2, 8))) for _ in range(900)]
    return " ".join(rng.choices(vocabulary, k=words)) + "."


@pytest.fixture
def signal() -> TextSignal:
    return TextSignal()


def indexed(signal: TextSignal, texts: dict[int, str]) -> TextIndex:
    index = signal.new_index()
    index.add_many((ref_id, signal.fingerprint_text(text)) for ref_id, text in texts.items())
    return index


def test_grams_are_characters_in_chinese_and_words_in_english() -> None:
    zh = token_grams(normalise("一二三四五六七八九十甲乙丙"), gram_weight=10, word_weight=4)
    assert (zh.ends - zh.starts).tolist() == [10] * 4
    en = token_grams(normalise("the pirate copied whole chapters"), gram_weight=10, word_weight=4)
    text = normalise("the pirate copied whole chapters").text
    assert [text[s:e] for s, e in zip(en.starts, en.ends, strict=True)] == [
        "thepiratecopied",
        "piratecopiedwhole",
        "copiedwholechapters",
    ]


def test_winnowing_guarantees_a_shared_hash_for_a_shared_run() -> None:
    rng = random.Random(1)
    shared = chinese(rng, 60)
    one = normalise(chinese(rng, 200) + shared + chinese(rng, 200))
    two = normalise(chinese(rng, 150) + shared)
    kept_one = set(winnow(token_grams(one, 10, 4), 6).hashes.tolist())
    kept_two = set(winnow(token_grams(two, 10, 4), 6).hashes.tolist())
    assert kept_one & kept_two


def test_excerpt_inside_other_text_is_found_with_exact_spans(signal: TextSignal) -> None:
    rng = random.Random(2)
    reference = chinese(rng, 3000)
    index = indexed(signal, {7: reference, 8: chinese(rng, 3000)})
    before, after = chinese(rng, 500), chinese(rng, 400)
    query = before + reference[1000:1600] + after
    (hit,) = index.query(signal.fingerprint_text(query))
    assert hit.ref_id == 7
    (segment,) = hit.segments
    # Spans run from the first to the last copied letter: edge punctuation is no evidence.
    first = next(i for i in range(1000, 1600) if reference[i] not in "。\n")
    last = next(i for i in range(1599, 1000, -1) if reference[i] not in "。\n")
    assert segment.reference == (first, last + 1)
    assert segment.query == (len(before) + first - 1000, len(before) + last + 1 - 1000)
    assert hit.details["reference_share"] == pytest.approx(0.2, abs=0.02)
    assert 0 < hit.details["query_share"] < 0.5


def test_quotation_below_the_limit_is_not_a_match(signal: TextSignal) -> None:
    rng = random.Random(3)
    reference = chinese(rng, 2000)
    index = indexed(signal, {1: reference})
    quoted = chinese(rng, 800) + reference[500:620] + chinese(rng, 800)
    assert index.query(signal.fingerprint_text(quoted)) == []
    strict = TextSignal(TextIndexParams(min_copy_chars=100))
    assert [
        h.ref_id for h in indexed(strict, {1: reference}).query(strict.fingerprint_text(quoted))
    ] == [1]


def test_pirated_chapter_survives_every_transform_at_once(signal: TextSignal) -> None:
    rng = random.Random(4)
    reference = chinese(rng, 4000)
    index = indexed(signal, {1: reference, 2: chinese(rng, 4000)})
    derived = Derived.of_reference(1, reference)
    derived = transforms.to_traditional(derived)
    derived = transforms.full_width(derived, rng)
    derived = transforms.insert_ads(derived, rng)
    derived = transforms.substitute(derived, rng, 0.10)
    hits = index.query(signal.fingerprint_text(derived.text))
    assert [hit.ref_id for hit in hits] == [1]
    covered = sum(s.reference[1] - s.reference[0] for s in hits[0].segments)
    assert covered >= 0.95 * len(reference)
    first, last = hits[0].segments[0], hits[0].segments[-1]
    assert first.query[0] <= 5 and last.query[1] >= len(derived.text) - 5


def test_english_with_substitutions_and_merged_chapters(signal: TextSignal) -> None:
    rng = random.Random(5)
    one, two = english(rng, 600), english(rng, 600)
    index = indexed(signal, {1: one, 2: two, 3: english(rng, 600)})
    merged = transforms.merge_chapters(
        transforms.substitute(Derived.of_reference(1, one), rng, 0.05),
        Derived.of_reference(2, two),
        "Chapter 2",
    )
    hits = index.query(signal.fingerprint_text(merged.text))
    assert sorted(hit.ref_id for hit in hits) == [1, 2]
    spans = {hit.ref_id: hit.segments[0].query for hit in hits}
    assert spans[1][1] <= spans[2][0]


def test_unrelated_text_sharing_common_phrases_does_not_match(signal: TextSignal) -> None:
    rng = random.Random(6)
    phrase = "本章未完，点击下一页继续阅读，请记住本站地址。"
    references = {i: phrase.join(chinese(rng, 300) for _ in range(5)) for i in range(1, 6)}
    index = indexed(signal, references)
    query = phrase.join(chinese(rng, 300) for _ in range(5))
    assert index.query(signal.fingerprint_text(query)) == []


def test_incremental_add_remove_and_round_trip(signal: TextSignal) -> None:
    rng = random.Random(7)
    texts = {i: chinese(rng, 1500) for i in range(1, 4)}
    index = indexed(signal, {1: texts[1]})
    index.add(2, signal.fingerprint_text(texts[2]))
    query = signal.fingerprint_text(texts[2][200:900] + texts[1][:600])
    assert sorted(h.ref_id for h in index.query(query)) == [1, 2]
    index.remove(1)
    index.add(3, signal.fingerprint_text(texts[3]))
    assert [h.ref_id for h in index.query(query)] == [2]
    restored = TextIndex.deserialize(index.serialize())
    assert restored.ref_ids() == {2, 3}
    assert restored.query(query) == index.query(query)
    index.add(2, signal.fingerprint_text(texts[1]))  # replacing a reference's content
    assert [h.ref_id for h in index.query(query)] == [2]
    assert index.query(query)[0].segments[0].query[0] >= 700


def test_near_duplicates_find_mirrors_not_excerpts(signal: TextSignal) -> None:
    rng = random.Random(8)
    article = english(rng, 1500)
    index = indexed(signal, {1: article, 2: english(rng, 1500)})
    mirror = "Home | Latest | About\n" + article + "\nCopyright mirror site"
    near = index.near_duplicates(signal.fingerprint_text(mirror))
    assert [ref_id for ref_id, _ in near] == [1] and near[0][1] > 0.8
    assert index.near_duplicates(signal.fingerprint_text(article[:2000])) == []
    (hit,) = index.query(signal.fingerprint_text(mirror))
    assert hit.details["document_similarity"] > 0.8


def test_provenance_of_transforms_is_exact() -> None:
    rng = random.Random(9)
    text = chinese(rng, 1000)
    derived = transforms.insert_ads(transforms.full_width(Derived.of_reference(4, text), rng), rng)
    copied = np.flatnonzero(derived.source_ref == 4)
    assert len(copied) == len(text)
    assert derived.source_pos[copied].tolist() == list(range(len(text)))
    assert np.count_nonzero(derived.source_ref == -1) > 0  # the ad lines
    kept = "".join(derived.text[i] for i in copied)
    assert normalise(kept).text == normalise(text).text


def test_empty_index_and_references_outside_the_basic_plane(signal: TextSignal) -> None:
    rng = random.Random(10)
    index = signal.new_index()
    assert index.query(signal.fingerprint_text(chinese(rng, 500))) == []
    rare = "".join(chr(rng.randint(0x20000, 0x2A6DF)) for _ in range(400))  # extension B
    index.add(1, signal.fingerprint_text(rare))
    (hit,) = index.query(signal.fingerprint_text(chinese(rng, 300) + rare[100:350]))
    assert hit.ref_id == 1 and hit.segments[0].reference == (100, 350)
    index.remove(1)
    assert index.query(signal.fingerprint_text(rare)) == []
    assert TextIndex.deserialize(index.serialize()).ref_ids() == set()


def test_a_saved_index_answers_with_the_current_quotation_limit() -> None:
    rng = random.Random(11)
    reference = chinese(rng, 2000)
    saved = indexed(TextSignal(), {1: reference}).serialize()
    query = chinese(rng, 500) + reference[300:420] + chinese(rng, 500)
    lenient = TextSignal(TextIndexParams(min_copy_chars=100))
    assert [h.ref_id for h in lenient.load_index(saved).query(lenient.fingerprint_text(query))] == [
        1
    ]
    assert TextSignal().load_index(saved).query(TextSignal().fingerprint_text(query)) == []
    with pytest.raises(ValueError, match="rebuild"):
        TextSignal(TextIndexParams(gram_weight=12)).load_index(saved)
