"""The text of a PDF that fpdf2 wrote uncompressed, read back through its fonts' ToUnicode
maps: what a PDF reader would extract, without a PDF library (none is a dependency)."""

from __future__ import annotations

import re

_BFCHAR = re.compile(rb"beginbfchar\s*(.*?)\s*endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_TEXT = re.compile(rb"BT(.*?)ET", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _literals(block: bytes) -> list[bytes]:
    """The literal strings ``( ... )`` of a text block, escapes resolved."""
    found, i = [], 0
    while (start := block.find(b"(", i)) != -1:
        out, depth, j = bytearray(), 1, start + 1
        while depth:
            char = block[j : j + 1]
            if char == b"\\":
                nxt = block[j + 1 : j + 2]
                if nxt in _ESCAPES:
                    out += _ESCAPES[nxt]
                    j += 2
                elif nxt.isdigit():
                    digits = re.match(rb"[0-7]{1,3}", block[j + 1 : j + 4])
                    assert digits is not None
                    out.append(int(digits.group(0), 8))
                    j += 1 + len(digits.group(0))
                else:
                    out += nxt
                    j += 2
                continue
            depth += char == b"("
            depth -= char == b")"
            if depth:
                out += char
            j += 1
        found.append(bytes(out))
        i = j
    return found


def pdf_text(pdf: bytes) -> str:
    glyphs: dict[int, str] = {}
    for block in _BFCHAR.findall(pdf):
        for code, text in _PAIR.findall(block):
            glyphs[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    runs = []
    for block in _TEXT.findall(pdf):
        for literal in _literals(block):
            codes = [int.from_bytes(literal[k : k + 2], "big") for k in range(0, len(literal), 2)]
            runs.append("".join(glyphs.get(c, "\ufffd") for c in codes))
    return "".join(runs)
