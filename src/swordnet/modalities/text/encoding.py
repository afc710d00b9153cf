"""Which encoding a text file is in: declared by a byte-order mark, UTF-8, or detected.

Legacy Chinese encodings overlap: most Big5 byte pairs are also valid GBK, so "try UTF-8,
then GB18030" read Big5 files as gibberish without a word. Past UTF-8 the encoding is
detected by charset-normalizer, which decodes with each candidate and keeps the one whose
text reads like a language; when no candidate reads like one, or two differ and tie, the
file is refused with a message saying what to do, rather than guessed.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from swordnet.domain.errors import CorruptMediaError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark begins it
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONVERT = "save it as UTF-8 (e.g. iconv -f ENCODING -t UTF-8) and register it again"


def text_encoding(data: bytes, name: str) -> str:
    """The codec that decodes ``data`` (a Python codec name); raise ``CorruptMediaError``
    naming ``name`` when the bytes are not text or their encoding cannot be told."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data, encoding, name, "its byte-order mark")
    if b"\x00" in data[:4096]:
        raise CorruptMediaError(
            f"{name}: binary data, or UTF-16/32 text without a byte-order mark; "
            f"if it is text, {_CONVERT}"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return _detected(data, name)
    return "utf-8"  # UTF-8 rarely validates by accident: plain ASCII is UTF-8 too


def _checked(data: bytes, encoding: str, name: str, evidence: str) -> str:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CorruptMediaError(
            f"{name}: not valid {encoding} despite {evidence} (byte {exc.start}); {_CONVERT}"
        ) from exc
    return encoding


def _detected(data: bytes, name: str) -> str:
    matches = list(from_bytes(data))
    # Only a candidate whose text reads as a language counts (coherence > 0): a short
    # KOI8-R line also decodes, without errors and as nonsense, as Shift-JIS.
    readable = [match for match in matches if match.coherence > 0]
    if not readable:
        tried = ", ".join(match.encoding for match in matches[:3]) or "none decodes it"
        raise CorruptMediaError(
            f"{name}: neither UTF-8 nor an encoding that can be told from its content "
            f"(candidates: {tried}); {_CONVERT}"
        )
    best = readable[0]
    for other in readable[1:]:
        tie = other.chaos <= best.chaos and other.coherence >= best.coherence
        if tie and str(other) != str(best):
            raise CorruptMediaError(
                f"{name}: encoding ambiguous between {best.encoding} and {other.encoding}; "
                f"{_CONVERT}"
            )
    return _checked(data, best.encoding, name, "detection")
