"""``works import`` then ``scan --json`` on generated pirate copies with known spans."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np

from swordnet.modalities.text import transforms
from swordnet.modalities.text.transforms import Derived

HANZI = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]


def chapter(rng: random.Random, chars: int) -> str:
    lines: list[str] = []
    while sum(map(len, lines)) < chars:
        lines.append("".join(rng.choices(HANZI, k=rng.randint(20, 50))) + "。")
    return "\n".join(lines)


def article(rng: random.Random, words: int) -> str:
    vocabulary = ["".join(rng.choices("etaoinshrdlucmfw", k=rng.randint(2, 9))) for _ in range(800)]
    return " ".join(rng.choices(vocabulary, k=words)).capitalize() + "."


def swordnet(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SWORDNET_HOME": str(home), "COLUMNS": "200"}
    env.pop("SWORDNET_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "swordnet", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def copied_span(derived: Derived, ref: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Query and reference extent of what was copied from ``ref``."""
    positions = np.flatnonzero(derived.source_ref == ref)
    sources = derived.source_pos[positions]
    return (int(positions[0]), int(positions[-1]) + 1), (int(sources.min()), int(sources.max()) + 1)


def test_import_and_scan_report_the_copied_spans(tmp_path: Path) -> None:
    rng = random.Random(21)
    texts = {
        "novel-1.txt": chapter(rng, 3000),
        "novel-2.txt": chapter(rng, 2500),
        "news.txt": article(rng, 900),
        "other.txt": chapter(rng, 3000),
    }
    references = tmp_path / "refs"
    references.mkdir()
    for name, text in texts.items():
        (references / name).write_text(text, encoding="utf-8")
    home = tmp_path / "home"
    imported = swordnet(home, "works", "import", str(references))
    assert imported.returncode == 0, imported.stderr

    ids = {name: number for number, name in enumerate(texts, start=1)}  # provenance labels
    one = Derived.of_reference(ids["novel-1.txt"], texts["novel-1.txt"])
    two = Derived.of_reference(ids["novel-2.txt"], texts["novel-2.txt"])
    news = Derived.of_reference(ids["news.txt"], texts["news.txt"])
    # A traditional-script excerpt with ad lines, inside unrelated text.
    excerpt = transforms.insert_ads(
        transforms.to_traditional(transforms.excerpt(one, rng, 1200)), rng
    )
    embedded = (
        Derived.foreign(chapter(rng, 400) + "\n") + excerpt + Derived.foreign(chapter(rng, 300))
    )
    # Two chapters merged into one, the second with 5% of its characters swapped.
    merged = transforms.merge_chapters(
        transforms.full_width(two, rng), transforms.substitute(one, rng, 0.05), "第二章"
    )
    # A news excerpt reprinted with full-width punctuation.
    reprint = Derived.foreign("转载 Reprint: ") + transforms.full_width(
        transforms.excerpt(news, rng, 700), rng
    )
    queries = tmp_path / "queries"
    queries.mkdir()
    cases = {"embedded.txt": embedded, "merged.txt": merged, "reprint.txt": reprint}
    for name, derived in cases.items():
        (queries / name).write_text(derived.text, encoding="utf-8")
    (queries / "unrelated.txt").write_text(chapter(random.Random(5), 3000), encoding="utf-8")

    scanned = swordnet(home, "scan", "--json", str(queries))
    assert scanned.returncode == 0, scanned.stderr
    found: dict[tuple[str, str], dict[str, object]] = {}
    for line in scanned.stdout.splitlines():
        match = json.loads(line)
        found[(Path(match["query"]).name, match["work_title"])] = match
    assert set(found) == {
        ("embedded.txt", "novel-1"),
        ("merged.txt", "novel-1"),
        ("merged.txt", "novel-2"),
        ("reprint.txt", "news"),
    }
    for (query_name, title), match in found.items():
        derived = cases[query_name]
        (query_span, reference_span) = copied_span(derived, ids[f"{title}.txt"])
        segments = match["segments"]
        assert isinstance(segments, list)
        query_covered = (min(s["query"][0] for s in segments), max(s["query"][1] for s in segments))
        reference_covered = (
            min(s["reference"][0] for s in segments),
            max(s["reference"][1] for s in segments),
        )
        # Edge punctuation and a substituted first character are not evidence: spans may
        # start or end a few characters in.
        assert all(abs(a - b) <= 8 for a, b in zip(query_covered, query_span, strict=True)), (
            query_name,
            title,
            query_covered,
            query_span,
        )
        assert all(abs(a - b) <= 8 for a, b in zip(reference_covered, reference_span, strict=True))
