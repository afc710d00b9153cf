"""Normalisation: what pirates change must vanish, and offsets must lead back."""

from __future__ import annotations

import random

from swordnet.modalities.text import transforms
from swordnet.modalities.text.normalize import normalise, to_simplified


def test_full_width_case_punctuation_and_zero_width_fold_away() -> None:
    pirate = "Ｔｈｅ　Ｑｕｉｃｋ，ｂｒｏｗｎ\u200bｆｏｘ！"
    original = "the quick, brown fox!"
    assert normalise(pirate).text == normalise(original).text == "thequickbrownfox"


def test_traditional_folds_to_simplified() -> None:
    assert normalise("這個學校的圖書館藏書很多").text == normalise("这个学校的图书馆藏书很多").text
    assert to_simplified("圖書館") == "图书馆"


def test_offsets_lead_back_to_the_original_characters() -> None:
    text = "  Hello,  世界！ ﬁne ①"
    normalised = normalise(text)
    assert normalised.text == "hello世界fine1"
    for index, char in enumerate(normalised.text):
        source = text[int(normalised.offsets[index])]
        assert char in normalise(source).text  # ligature ﬁ -> f, i both point at it
    start, end = normalised.original_span(0, 5)
    assert text[start:end] == "Hello"
    start, end = normalised.original_span(5, 7)
    assert text[start:end] == "世界"


def test_word_starts_split_on_spaces_and_cjk_but_not_on_zero_width() -> None:
    normalised = normalise("pirate co\u200bpy 盗版")
    starts = [i for i, flag in enumerate(normalised.token_starts()) if flag]
    tokens = [
        normalised.text[a:b]
        for a, b in zip(starts, [*starts[1:], len(normalised.text)], strict=True)
    ]
    assert tokens == ["pirate", "copy", "盗", "版"]


def test_characters_outside_the_basic_plane_survive() -> None:
    text = "𠀀𠀁 emoji😀 kept"
    normalised = normalise(text)
    assert normalised.text.startswith("𠀀𠀁")
    assert "😀" not in normalised.text  # a symbol, dropped like punctuation
    assert normalised.text.endswith("emojikept")
    assert text[int(normalised.offsets[1])] == "𠀁"


def test_empty_and_punctuation_only_text() -> None:
    assert normalise("").text == ""
    assert normalise("，。！？...---").text == ""


def test_latin_look_alikes_fold_to_the_letters_they_imitate() -> None:
    disguised = "Ηаrrу Роttеr аnd thе Рhіlоѕорhеr'ѕ Ѕtоnе"  # Cyrillic and Greek letters
    assert normalise(disguised).text == normalise("Harry Potter and the Philosopher's Stone").text
    assert normalise("Ι Ν Υ").text == "iny"  # capitals: "I", not Unicode's "l"; "N", not "v"
    assert normalise("数字二〇二六").text == "数字二o二六"  # the ideographic zero looks like "o"


def test_genuine_cyrillic_and_cjk_text_is_kept_apart_from_latin_text() -> None:
    assert normalise("мир").text != normalise("mnp").text  # only drawn-alike letters fold
    assert normalise("盗版小说").text == "盗版小说"


def test_disguised_copies_normalise_like_their_source() -> None:
    rng = random.Random(3)
    source = "The quick brown fox jumps over the lazy dog. 天下大势，分久必合，合久必分。"
    disguised = transforms.disguise(transforms.Derived.of_reference(0, source), rng, share=1.0)
    assert disguised.text != source
    assert normalise(disguised.text).text == normalise(source).text
