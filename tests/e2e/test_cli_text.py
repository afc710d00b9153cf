"""``works import`` then ``scan --json`` through the real command line."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

from swordnet.simweb.content import chinese_chapter, english_article

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_import_then_scan_finds_exact_copies_with_spans(run_cli: Run, tmp_path: Path) -> None:
    rng = random.Random(11)
    references = tmp_path / "refs"
    (references / "novels").mkdir(parents=True)
    texts = {
        "novels/chapter-one.txt": chinese_chapter(rng, 1200),
        "novels/chapter-two.txt": chinese_chapter(rng, 1200),
        "report.txt": english_article(rng, 250),
    }
    for name, text in texts.items():
        (references / name).write_text(text, encoding="utf-8")
    imported = run_cli("works", "import", str(references))
    assert imported.returncode == 0, imported.stderr
    assert "registered 3 file(s)" in imported.stderr

    queries = tmp_path / "queries"
    queries.mkdir()
    prefix_one, prefix_two = "盗版小说网：" * 3, "Reprinted without permission. "
    (queries / "copy-one.txt").write_text(
        prefix_one + texts["novels/chapter-one.txt"] + "（完）", encoding="utf-8"
    )
    excerpt = texts["report.txt"][100:700]
    (queries / "copy-two.txt").write_text(prefix_two + excerpt, encoding="utf-8")
    (queries / "unrelated.txt").write_text(
        chinese_chapter(random.Random(99), 1500), encoding="utf-8"
    )
    (queries / "broken.txt").write_bytes(b"\x00\x01" * 300)

    scanned = run_cli("scan", "--json", str(queries))
    assert scanned.returncode == 1, scanned.stderr  # broken.txt could not be scanned
    lines = [json.loads(line) for line in scanned.stdout.splitlines()]
    by_query = {Path(line["query"]).name: line for line in lines}
    assert set(by_query) == {"copy-one.txt", "copy-two.txt"}

    one = by_query["copy-one.txt"]
    assert one["work_title"] == "chapter-one" and one["modality"] == "text"
    assert 0 < one["score"] <= 1
    (segment,) = one["segments"]
    assert segment["unit"] == "char"
    # Spans run from the first to the last matching letter: punctuation at the edges,
    # dropped by normalisation, is not part of the evidence.
    length = len(texts["novels/chapter-one.txt"])
    assert segment["query"][0] == len(prefix_one) and segment["reference"][0] == 0
    assert length - 1 <= segment["reference"][1] <= length
    assert segment["query"][1] - segment["query"][0] == segment["reference"][1]

    two = by_query["copy-two.txt"]
    assert two["work_title"] == "report"
    (segment,) = two["segments"]
    assert abs(segment["reference"][0] - 100) <= 1 and abs(segment["reference"][1] - 700) <= 1
    assert abs(segment["query"][0] - len(prefix_two)) <= 1

    errors = [line for line in scanned.stderr.splitlines() if line.startswith("swordnet: error:")]
    assert len(errors) == 1 and "broken.txt" in errors[0]


def test_unknown_file_is_one_line_error_and_others_register(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(english_article(random.Random(2), 200), encoding="utf-8")
    (tmp_path / "weird.bin2").write_bytes(b"\x89\x00garbage")
    result = run_cli("works", "add", str(tmp_path / "weird.bin2"), str(tmp_path / "good.txt"))
    assert result.returncode == 1  # one file failed: the batch went on, the status says so
    assert "registered 1 file(s), 0 already catalogued, 1 failed" in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "weird.bin2" in line]
    assert len(error_lines) == 1 and error_lines[0].startswith("swordnet: error:")
    listed = run_cli("works", "list")
    assert "good" in listed.stderr


def test_missing_target_and_bad_settings_fail_clearly(run_cli: Run, tmp_path: Path) -> None:
    scanned = run_cli("scan", str(tmp_path / "nope"))
    assert scanned.returncode == 1 and "no such file, folder or URL" in scanned.stderr
    (tmp_path / "home").mkdir(exist_ok=True)
    (tmp_path / "home" / "swordnet.toml").write_text("workers = 'many'\n")
    broken = run_cli("works", "list")
    assert broken.returncode == 2
    assert (
        broken.stderr.strip()
        .splitlines()[-1]
        .startswith("swordnet: error: invalid settings: workers")
    )
