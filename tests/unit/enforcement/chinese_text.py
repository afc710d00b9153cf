"""Finds English words in a Chinese document, apart from what is data, not wording."""

from __future__ import annotations

import re
from collections.abc import Iterable

# What may stand in a Chinese document in Latin letters: addresses, identifiers, hashes,
# dates, and the names of the parties (passed in as ``names``).
_NOT_WORDS = re.compile(
    r"https?://\S+"  # URLs
    r"|[\w.+-]+@[\w.-]+"  # e-mail addresses
    r"|<urn:uuid:[0-9a-f-]+>"  # WARC record ids
    r"|\b[0-9a-f]{16,}\b"  # hashes, notice keys
    r"|\b\d{4}-\d\d-\d\d \d\d:\d\d UTC\b"  # timestamps
    r"|[\w-]+(\.[\w-]+)+(:\d+)?"  # host names
)
# Abbreviations Chinese legal texts use as they are.
ABBREVIATIONS = {"SHA", "WARC", "ICP", "UTC", "DMCA", "HTTP"}


def foreign_words(text: str, names: Iterable[str] = ()) -> list[str]:
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = text.replace(name, " ")
    text = _NOT_WORDS.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ABBREVIATIONS]
