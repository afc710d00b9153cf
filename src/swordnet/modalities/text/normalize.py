"""Text normalisation that keeps a map back to the original characters.

Pirate copies differ from the original in ways that carry no meaning: full-width forms,
traditional instead of simplified characters, case, spacing, punctuation, zero-width
characters, and letters of other scripts that look like Latin ones (Cyrillic "а" for
"a", Greek "Ο" for "O") to slip past keyword filters. Normalising removes them;
``offsets[i]`` is the index in the original text of normalised character ``i``, so
that spans found on normalised text can be reported in the coordinates a person reads.
``word_starts`` marks where a new token begins, so Latin-script text can be cut into
words although spaces are dropped.

The per-character work (NFKC, case folding, dropping punctuation) is precomputed once
into a table over the Basic Multilingual Plane and applied with numpy: a Python loop
over characters ran at about 1 MB/s, the table at well over 50 MB/s.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import opencc

# Categories dropped: punctuation (P*), symbols (S*), separators (Z*), controls and
# format characters such as zero-width spaces (C*), combining marks (M*).
_DROP_CATEGORY_PREFIXES = ("P", "S", "Z", "C", "M")
# Of the dropped characters, these end a word; format characters and combining marks
# do not, so a zero-width space inside a word does not split it.
_BREAK_CATEGORY_PREFIXES = ("P", "S", "Z", "Cc")

_BMP = 0x10000
_DROP = np.uint32(0)
_SLOW = np.uint32(0xFFFFFFFF)  # folds to several characters, or outside the table


@lru_cache(maxsize=2)
def _opencc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def _simplified_char(char: str) -> str:
    converted: str = _opencc("t2s").convert(char)
    return converted if len(converted) == 1 else char


@lru_cache(maxsize=1)
def _latin_lookalikes() -> dict[str, str]:
    """Characters of other scripts confusable with one ASCII letter or digit, to it.

    From Unicode's confusables data (the ``confusable-homoglyphs`` package ships it).
    """
    from confusable_homoglyphs.confusables import (  # type: ignore[import-untyped]
        confusables_data,
    )

    lookalikes = {}
    for char, entries in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        targets = {e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii()}
        targets = {t for t in targets if t.isalnum()}
        if len(targets) == 1:
            lookalikes[char] = targets.pop()
    return lookalikes


def _unconfused(char: str) -> str:
    """The ASCII letter or digit a non-ASCII character is drawn like, case folded.

    Unicode's data draws every capital I-like letter as "l" (its prototype for "I" too);
    a capital one is taken for "I" here, since case folding turns a Latin "I" into "i".
    A letter is looked up as it is before its lower-case form: Greek capital nu is drawn
    like "N", its small form like "v". So some Greek and Cyrillic capitals no longer
    fold to their own small letters; the same text still folds the same way on both sides.
    """
    if char.isascii():
        return char.casefold()
    lookalikes = _latin_lookalikes()
    target = lookalikes.get(char)
    if target is None:
        return "".join(lookalikes.get(c, c).casefold() for c in char.casefold())
    if target == "l" and char != char.casefold():
        return "i"
    return target.casefold()


def _fold_char(char: str) -> str:
    """NFKC, Latin look-alikes, case folding, dropping, then traditional to simplified,
    for one character.

    Character by character, not phrase by phrase: matching needs one canonical form on
    both sides, and a context-free mapping gives the same form to the same character.
    """
    folded = "".join(_unconfused(c) for c in unicodedata.normalize("NFKC", char))
    return "".join(
        _simplified_char(c)
        for c in folded
        if not unicodedata.category(c).startswith(_DROP_CATEGORY_PREFIXES)
    )


class _FoldTable:
    """Fold table over the BMP (code point -> folded code point, 0 = drop, SLOW = several)
    and word-break flags, filled in lazily for the code points actually seen: a text uses
    a few thousand distinct characters, and filling all 65,536 took a third of a second.
    """

    def __init__(self) -> None:
        self.fold = np.zeros(_BMP, dtype=np.uint32)
        self.breaks = np.zeros(_BMP, dtype=np.bool_)
        self.known = np.zeros(_BMP, dtype=np.bool_)
        self.known[0xD800:0xE000] = True  # surrogates never appear in decoded text
        ascii_codes = np.arange(0x80)
        self.learn(ascii_codes.astype(np.uint32))

    def learn(self, codes: npt.NDArray[np.uint32]) -> None:
        unseen = np.unique(codes[~self.known[codes]])
        for code in unseen.tolist():
            char = chr(code)
            self.breaks[code] = unicodedata.category(char).startswith(_BREAK_CATEGORY_PREFIXES)
            folded = _fold_char(char)
            if len(folded) == 1 and ord(folded) < _BMP:
                self.fold[code] = ord(folded)
            elif folded:
                self.fold[code] = _SLOW
            self.known[code] = True


@lru_cache(maxsize=1)
def _table() -> _FoldTable:
    return _FoldTable()


def is_cjk(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Scripts written without spaces, where every character is a token."""
    return (
        ((codes >= 0x2E80) & (codes <= 0x2FDF))  # radicals
        | ((codes >= 0x3040) & (codes <= 0x9FFF))  # kana, CJK unified, ext. A (not 、。「」)
        | ((codes >= 0xAC00) & (codes <= 0xD7AF))  # Hangul syllables
        | ((codes >= 0xF900) & (codes <= 0xFAFF))  # compatibility ideographs
        | ((codes >= 0x20000) & (codes <= 0x3FFFF))  # ideograph extensions B and later
    )


@dataclass(frozen=True, slots=True)
class NormalisedText:
    codes: npt.NDArray[np.unsignedinteger[Any]]  # normalised code points, 16 or 32 bits
    offsets: npt.NDArray[np.int32]  # original index of every normalised character
    original_length: int
    word_starts: npt.NDArray[np.bool_] | None = None  # a new token starts here

    @property
    def text(self) -> str:
        return self.codes.astype(np.uint32).tobytes().decode("utf-32-le")

    def wide_codes(self) -> npt.NDArray[np.uint32]:
        return self.codes.astype(np.uint32, copy=False)

    def __len__(self) -> int:
        return len(self.codes)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return original_span(self.offsets, self.original_length, start, end)

    def token_starts(self) -> npt.NDArray[np.bool_]:
        if self.word_starts is not None:
            return self.word_starts
        return np.ones(len(self.codes), dtype=np.bool_)


def original_span(
    offsets: npt.NDArray[np.int32], original_length: int, start: int, end: int
) -> tuple[int, int]:
    """Map a normalised half-open span to the original text's half-open span."""
    if end <= start:
        position = int(offsets[start]) if start < len(offsets) else original_length
        return position, position
    return int(offsets[start]), int(offsets[end - 1]) + 1


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese, phrase-aware, one output character per input one.

    For display and tools; matching folds character by character (see ``_fold_char``).
    """
    converter = _opencc("t2s")
    converted: str = converter.convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase conversion changed the length somewhere; redo the lines it affected
    # character by character so that the offset map stays exact.
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    for line in lines:
        line_converted: str = converter.convert(line)
        if len(line_converted) != len(line):
            line_converted = "".join(c if len(s := converter.convert(c)) != 1 else s for c in line)
        out.append(line_converted)
    return "".join(out)


def normalise(text: str) -> NormalisedText:
    table = _table()
    original = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    in_table = original < _BMP
    table.learn(original[in_table])
    fold, breaks = table.fold, table.breaks
    folded = np.full(len(original), _SLOW, dtype=np.uint32)
    folded[in_table] = fold[original[in_table]]
    is_break = np.zeros(len(original), dtype=np.bool_)
    is_break[in_table] = breaks[original[in_table]]

    kept = folded != _DROP
    slow = np.flatnonzero(folded == _SLOW)
    if len(slow) == 0:
        offsets = np.flatnonzero(kept).astype(np.int32)
        codes = folded[offsets]
    else:
        codes, offsets, is_break = _expand_slow(text, folded, kept, slow, is_break)

    # A token starts at every CJK character, and at any character that follows a
    # break (space, punctuation) or a CJK character in the original text.
    breaks_before = np.concatenate(([0], np.cumsum(is_break, dtype=np.int64)))
    word_starts = np.ones(len(codes), dtype=np.bool_)
    if len(codes) > 1:
        cjk = is_cjk(codes)
        gap_has_break = breaks_before[offsets[1:]] - breaks_before[offsets[:-1] + 1] > 0
        same_char = offsets[1:] == offsets[:-1]
        word_starts[1:] = (cjk[1:] | cjk[:-1] | gap_has_break) & ~same_char
    return NormalisedText(codes.astype(np.uint32), offsets.astype(np.int32), len(text), word_starts)


def _expand_slow(
    text: str,
    folded: npt.NDArray[np.uint32],
    kept: npt.NDArray[np.bool_],
    slow: npt.NDArray[np.intp],
    is_break: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Handle the rare characters that fold to several (ligatures, circled numbers)."""
    expansions: dict[int, str] = {}
    for index in slow.tolist():
        char = text[index]
        expansions[index] = _fold_char(char)
        if ord(char) >= _BMP:
            is_break[index] = unicodedata.category(char).startswith(_BREAK_CATEGORY_PREFIXES)
    counts = kept.astype(np.int64)
    for index, expansion in expansions.items():
        counts[index] = len(expansion)
    offsets = np.repeat(np.arange(len(text), dtype=np.int32), counts)
    codes = np.repeat(folded, counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    for index, expansion in expansions.items():
        first = int(starts[index])
        for j, char in enumerate(expansion):
            codes[first + j] = ord(char)
    return codes, offsets, is_break
