"""Registering works and scanning files against them, on a real SQLite database."""

from __future__ import annotations

import json
import random
from pathlib import Path

from swordnet.bootstrap import Container, bootstrap
from swordnet.services.catalogue import WorkSpec, register_files, remove_work
from swordnet.services.scanning import scan_targets
from swordnet.settings import Settings
from swordnet.simweb.content import chinese_chapter, english_article


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_register_scan_and_remove(container: Container, tmp_path: Path) -> None:
    rng = random.Random(3)
    novel = chinese_chapter(rng, 1500)
    article = english_article(rng, 300)
    refs = [
        _write(tmp_path / "refs/novel.txt", novel),
        _write(tmp_path / "refs/article.txt", article),
    ]
    outcomes = register_files(container, refs, WorkSpec(holder="Press"))
    assert [o.error for o in outcomes] == [None, None]
    novel_work = outcomes[0].work_id

    copy = _write(tmp_path / "q/copy.txt", "广告" * 20 + novel[300:1300] + "下一章")
    other = _write(tmp_path / "q/other.txt", chinese_chapter(random.Random(99), 1500))
    results = {r.query: r for r in scan_targets(container, [str(tmp_path / "q")])}
    (match,) = results[str(copy)].matches
    assert match.work_id == novel_work
    (segment,) = match.segments
    assert segment.unit == "char"
    assert abs(segment.reference[0] - 300) <= 2 and abs(segment.reference[1] - 1300) <= 2
    assert abs(segment.query[0] - 40) <= 2
    assert results[str(other)].matches == []

    remove_work(container.sessions, container.indexes, novel_work)
    assert next(iter(scan_targets(container, [str(copy)]))).matches == []


def test_bad_files_are_reported_and_the_batch_goes_on(container: Container, tmp_path: Path) -> None:
    good = _write(tmp_path / "in/good.txt", english_article(random.Random(1), 200))
    binary = tmp_path / "in/binary.txt"
    binary.write_bytes(b"\x00\xff" * 100)
    unknown = _write(tmp_path / "in/notes.xyz", "what is this")
    outcomes = register_files(container, [binary, unknown, good])
    assert outcomes[0].error is not None and "binary" in outcomes[0].error
    assert outcomes[1].error is not None and ".xyz" in outcomes[1].error
    assert outcomes[2].error is None and outcomes[2].work_id is not None


def test_registering_the_same_content_twice_is_idempotent(
    container: Container, tmp_path: Path
) -> None:
    text = english_article(random.Random(5), 200)
    first = register_files(container, [_write(tmp_path / "a.txt", text)])[0]
    second = register_files(container, [_write(tmp_path / "b.txt", text)])[0]
    assert second.already_known and second.reference_id == first.reference_id


def test_sidecar_sets_title_kind_and_holder(container: Container, tmp_path: Path) -> None:
    path = _write(tmp_path / "ch1.txt", chinese_chapter(random.Random(2), 600))
    path.with_name("ch1.txt.json").write_text(
        json.dumps({"title": "第一章", "kind": "chapter", "holder": "A"})
    )
    (outcome,) = register_files(container, [path])
    from swordnet.storage import models

    with container.sessions() as session:
        work = session.get_one(models.Work, outcome.work_id)
        assert (work.title, work.kind.value, work.holder.name if work.holder else None) == (
            "第一章",
            "chapter",
            "A",
        )


def test_index_survives_restart_and_rebuilds_when_damaged(
    settings: Settings, tmp_path: Path
) -> None:
    text = chinese_chapter(random.Random(4), 1200)
    first = bootstrap(settings)
    register_files(first, [_write(tmp_path / "ref.txt", text)])
    first.close()
    query = _write(tmp_path / "query.txt", text[100:900])

    second = bootstrap(settings)
    assert len(next(iter(scan_targets(second, [str(query)]))).matches) == 1
    second.close()

    (settings.index_dir / "text.idx").write_bytes(b"garbage")
    third = bootstrap(settings)
    assert len(next(iter(scan_targets(third, [str(query)]))).matches) == 1
    third.close()


def test_hits_below_a_signals_operating_point_are_not_matches(
    settings: Settings, tmp_path: Path
) -> None:
    text = chinese_chapter(random.Random(8), 1200)
    reference = _write(tmp_path / "ref.txt", text)
    query = _write(tmp_path / "q.txt", text[:800])
    strict = bootstrap(settings.model_copy(update={"min_match_score": {"text": 1.01}}))
    register_files(strict, [reference])
    assert next(iter(scan_targets(strict, [str(query)]))).matches == []
    strict.close()
    lenient = bootstrap(settings)
    assert len(next(iter(scan_targets(lenient, [str(query)]))).matches) == 1
    lenient.close()
