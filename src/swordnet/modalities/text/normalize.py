"""Text normalisation that keeps a map back to the original characters.

Pirate copies differ from the original in ways that carry no meaning: full-width forms,
traditional instead of simplified characters, case, spacing, punctuation, zero-width
characters. Normalising removes them; ``offsets[i]`` is the index in the original text
of normalised character ``i``, so that spans found on normalised text can be reported
in the coordinates a person reads.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import opencc

# Categories dropped: punctuation (P*), symbols (S*), separators (Z*), controls and
# format characters such as zero-width spaces (C*), combining marks (M*).
_DROP_CATEGORY_PREFIXES = ("P", "S", "Z", "C", "M")


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class NormalisedText:
    text: str
    offsets: npt.NDArray[np.int32]  # original index of every normalised character
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised half-open span to the original text's half-open span."""
        if end <= start:
            position = int(self.offsets[start]) if start < len(self.offsets) else self.original_length
            return position, position
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).casefold()
    return "".join(
        c for c in folded if not unicodedata.category(c).startswith(_DROP_CATEGORY_PREFIXES)
    )


def _to_simplified(text: str) -> str:
    converted: str = _traditional_to_simplified().convert(text)
    if len(converted) == len(text):
        return converted
    # Phrase-level conversions changed the length; fall back to character by character
    # so that the offset map stays exact.
    convert = _traditional_to_simplified().convert
    return "".join(c if len(s := convert(c)) != 1 else s for c in text)


def normalise(text: str) -> NormalisedText:
    simplified = _to_simplified(text)
    kept: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(simplified):
        if char.isascii():
            if char.isalnum():
                kept.append(char.lower())
                offsets.append(index)
            continue
        folded = _fold_char(char)
        for out in folded:
            kept.append(out)
            offsets.append(index)
    return NormalisedText("".join(kept), np.asarray(offsets, dtype=np.int32), len(text))
