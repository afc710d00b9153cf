"""Odd files in a batch: each gets a result or one line saying why not; names print safely."""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from swordnet.simweb.content import english_article

Run = Callable[..., subprocess.CompletedProcess[str]]

# Written for this test; Big5 is the traditional-character encoding of Taiwan and Hong Kong.
TRADITIONAL = (
    "我們在山腳下的小鎮住了三個夏天。每天清晨，祖父總是先到河邊散步，回來時帶著一籃新鮮的蔬菜。"
    "鄰居們常常聚在廟口的大樹下聊天，談論天氣、收成和遠方親戚的消息。孩子們在巷子裡奔跑，"
    "直到晚飯的炊煙升起才肯回家。那些日子雖然簡單，卻讓人覺得非常溫暖。"
) * 3
LATIN1_NAME = os.fsdecode(b"latin1_\xe9\xff.txt")  # not UTF-8: Python keeps the bytes


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("swordnet: error:")]


def _odd_folder(root: Path) -> Path:
    folder = root / "odd"
    folder.mkdir()
    (folder / LATIN1_NAME).write_text(english_article(random.Random(1), 250), encoding="utf-8")
    line = np.random.default_rng(2).integers(0, 256, (1000, 1, 3)).astype(np.uint8)
    Image.fromarray(line).save(folder / "line-1x1000.png")
    (folder / "big5.txt").write_bytes(TRADITIONAL.encode("big5"))
    (root / "elsewhere.txt").write_text(english_article(random.Random(3), 250), encoding="utf-8")
    (folder / "link.txt").symlink_to(root / "elsewhere.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "chapter.txt").write_text(english_article(random.Random(4), 300), encoding="utf-8")
    return folder


def test_import_registers_the_good_files_and_reports_each_bad_one(
    run_cli: Run, tmp_path: Path
) -> None:
    folder = _odd_folder(tmp_path)
    imported = run_cli("works", "import", str(folder))
    assert imported.returncode == 1, imported.stderr
    assert "Traceback" not in imported.stderr
    assert "registered 3 file(s), 0 already catalogued, 3 failed" in imported.stderr
    errors = _errors(imported.stderr)
    assert len(errors) == 3, imported.stderr
    by_file = {name: [e for e in errors if name in e] for name in ("line-1x1000", "link", "empty")}
    assert all(len(lines) == 1 for lines in by_file.values()), errors
    assert "too small to fingerprint" in by_file["line-1x1000"][0]
    assert "symbolic link" in by_file["link"][0]
    assert "empty file" in by_file["empty"][0]

    listed = run_cli("works", "list")
    assert listed.returncode == 0
    assert "latin1_\\xe9\\xff" in listed.stderr  # the undecodable bytes, shown visibly
    assert {"big5", "chapter"} <= set(listed.stderr.split())

    # The Big5 file was read as Big5: its UTF-8 copy is found, whole.
    copy = tmp_path / "copy.txt"
    copy.write_text("轉載：" + TRADITIONAL, encoding="utf-8")
    scanned = run_cli("scan", "--json", str(copy))
    assert scanned.returncode == 0, scanned.stderr
    (match,) = [json.loads(line) for line in scanned.stdout.splitlines()]
    assert match["work_title"] == "big5" and match["score"] > 0.5  # read as GB18030: no match

    # The non-UTF-8 path was stored so that the file can be found and read again.
    redone = run_cli("works", "refingerprint", "--all")
    assert redone.returncode == 0, redone.stderr
    assert "checked 3 reference(s): 0 refingerprinted, 0 failed" in redone.stderr  # unchanged


def test_scan_of_the_same_folder_reports_every_item_and_fails(run_cli: Run, tmp_path: Path) -> None:
    folder = _odd_folder(tmp_path)
    scanned = run_cli("scan", "--json", str(folder))
    assert scanned.returncode == 1
    assert "Traceback" not in scanned.stderr
    assert "scanned 6 item(s): 0 match(es), 3 error(s)" in scanned.stderr
    assert len(_errors(scanned.stderr)) == 3


def test_names_with_newlines_and_escapes_print_escaped(run_cli: Run, tmp_path: Path) -> None:
    forged = "evil\nswordnet: error: forged line\x1b[31m"
    empty = tmp_path / f"{forged}.txt"
    empty.write_bytes(b"")
    good = tmp_path / f"{forged} [bold]good.txt"
    good.write_text(english_article(random.Random(5), 250), encoding="utf-8")
    added = run_cli("works", "add", str(empty), str(good))
    assert added.returncode == 1
    assert "\x1b" not in added.stderr
    errors = _errors(added.stderr)
    assert len(errors) == 1, added.stderr
    assert "evil\\nswordnet: error: forged line\\x1b[31m.txt: empty file" in errors[0]
    assert not any(line.startswith("swordnet: error: forged") for line in added.stderr.splitlines())

    listed = run_cli("works", "list")
    assert "\x1b" not in listed.stderr
    assert "evil\\nswordnet: error: forged line\\x1b[31m [bold]good" in listed.stderr

    # JSON keeps the exact name for machines, with nothing raw for the terminal.
    scanned = run_cli("scan", "--json", str(good))
    assert "\x1b" not in scanned.stdout
    (match,) = [json.loads(line) for line in scanned.stdout.splitlines()]
    assert match["query"] == str(good)
