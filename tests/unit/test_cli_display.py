"""One helper shows user-controlled names; the stored form of odd paths reverses exactly."""

from __future__ import annotations

import json
import os
from pathlib import Path

from swordnet.cli.display import json_line, printable
from swordnet.services.inputs import path_for_storage, path_from_storage, readable_name


def test_printable_escapes_what_could_forge_or_hide_output() -> None:
    assert printable("第一章 plain.txt") == "第一章 plain.txt"
    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert printable("red\x1b[31m") == "red\\x1b[31m"
    assert printable("csi\x9b31m") == "csi\\x9b31m"
    assert printable("abc\u202etxt.exe") == "abc\\u202etxt.exe"  # right-to-left override
    assert printable(os.fsdecode(b"latin1_\xe9\xff.txt")) == "latin1_\\xe9\\xff.txt"


def test_json_line_keeps_names_exact_and_hides_nothing() -> None:
    name = os.fsdecode(b"x\xe9") + "\x1b\u202e\x9b第"
    line = json_line({"query": name})
    assert "\x1b" not in line and "\u202e" not in line and "\x9b" not in line
    assert "第" in line
    assert json.loads(line)["query"] == name


def test_non_utf8_paths_are_stored_as_text_and_read_back_byte_for_byte(tmp_path: Path) -> None:
    odd = tmp_path / os.fsdecode(b"latin1_\xe9\xff 100%.txt")
    stored = path_for_storage(odd)
    stored.encode("utf-8")  # a database can hold it
    assert path_from_storage(stored) == odd.resolve()
    plain = tmp_path / "第一章.txt"
    assert path_for_storage(plain) == str(plain.resolve())  # ordinary paths unchanged
    assert readable_name(odd.stem) == "latin1_\\xe9\\xff 100%"
