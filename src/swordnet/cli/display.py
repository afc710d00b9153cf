"""Showing user-controlled text (file names, titles, URLs, target names) on a terminal.

A file name may hold a newline, an ANSI escape or a right-to-left override, and on Linux it
may not be UTF-8 at all (Python hands such names over with the bad bytes as lone
surrogates). Printed raw, the first three can forge an output line or recolour the
terminal, and the last crashes ``print``. ``printable`` shows each of them as a visible
escape, so every line the command line prints is one line, in the order it was printed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from rich.console import Console
from rich.table import Table

# Control characters, format characters (bidi overrides, zero-width marks), line and
# paragraph separators and lone surrogates: everything that does not print as itself.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# os.fsdecode turns an undecodable byte 0xNN into the lone surrogate U+DCNN.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def _escape(char: str) -> str:
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"  # the byte as it is on disk
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every character that would not print as itself shown as an escape."""
    if text.isprintable():  # the common case, and str.isprintable is fast
        return text
    return "".join(_escape(char) for char in text)


_UNSAFE_IN_JSON = re.compile(r"[\x7f-\U0010ffff]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def json_line(document: Any) -> str:
    """One line of JSON for machines: names exact, yet nothing hidden reaches the terminal.

    ``json`` escapes ASCII controls itself; the rest of the hidden characters (C1 controls,
    bidi overrides, the lone surrogates of undecodable bytes) are written as ``\\uXXXX``, so
    a reader gets the name back exactly (``os.fsencode`` restores the bytes on disk).
    """
    return _UNSAFE_IN_JSON.sub(_json_escape, json.dumps(document, ensure_ascii=False))


def plain_console(*, stderr: bool) -> Console:
    """A console that prints text as given: no markup, emoji codes or highlighting.

    A work titled ``[bold]`` or ``:smile:`` must print as itself, and ``[/]`` must not
    crash the table it sits in.
    """
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)


class SafeTable(Table):
    """A table whose text cells go through ``printable``: one row is one line per cell."""

    def add_row(self, *renderables: Any, **options: Any) -> None:
        cells = [printable(cell) if isinstance(cell, str) else cell for cell in renderables]
        super().add_row(*cells, **options)
