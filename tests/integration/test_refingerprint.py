"""After a signal version changes, outdated references are not matched until redone."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from sqlalchemy import select, update

from swordnet.bootstrap import Container, bootstrap
from swordnet.services import audit
from swordnet.services.catalogue import register_files
from swordnet.services.refingerprint import outdated_reference_ids, refingerprint
from swordnet.services.scanning import scan_files
from swordnet.settings import Settings
from swordnet.storage import models

HANZI = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]


def _chapter(seed: int) -> str:
    rng = random.Random(seed)
    return "\n".join("".join(rng.choices(HANZI, k=40)) + "。" for _ in range(60))


def _matched_works(container: Container, query: Path) -> set[int]:
    (result,) = scan_files(container, [query])
    assert result.error is None
    return {match.work_id for match in result.matches}


def _age_fingerprints(settings: Settings, reference_ids: list[int]) -> None:
    """Make the stored text fingerprints look as if an older signal version made them."""
    container = bootstrap(settings)
    try:
        with container.sessions() as session, session.begin():
            session.execute(
                update(models.Fingerprint)
                .where(models.Fingerprint.reference_id.in_(reference_ids))
                .values(version=models.Fingerprint.version - 1)
            )
    finally:
        container.close()


def test_outdated_references_are_redone_and_matched_again(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    works = tmp_path / "works"
    works.mkdir()
    for number in range(3):
        (works / f"novel-{number}.txt").write_text(_chapter(number), encoding="utf-8")
    query = tmp_path / "pirate.txt"
    query.write_text("广告" * 20 + _chapter(1)[:1200], encoding="utf-8")

    container = bootstrap(settings)
    outcomes = register_files(container, sorted(works.iterdir()))
    ids = [outcome.reference_id for outcome in outcomes]
    assert all(isinstance(i, int) for i in ids)
    copied_work = outcomes[1].work_id
    assert _matched_works(container, query) == {copied_work}
    container.close()

    _age_fingerprints(settings, [ids[1], ids[2]])  # type: ignore[list-item]
    (works / "novel-2.txt").unlink()  # one file is gone by the time it is redone

    container = bootstrap(settings)
    with caplog.at_level(logging.WARNING, logger="swordnet.services.indexes"):
        assert _matched_works(container, query) == set()  # outdated: not in the index
    assert "works refingerprint" in caplog.text
    versions = {name: signal.version for name, signal in container.signals.items()}
    with container.sessions() as session:
        assert outdated_reference_ids(session, versions) == [ids[1], ids[2]]

    redone = refingerprint(container, actor="test")
    assert [(o.reference_id, o.updated, o.error is None) for o in redone] == [
        (ids[1], ("text",), True),
        (ids[2], (), False),
    ]
    assert "novel-2.txt" in (redone[1].error or "")
    assert _matched_works(container, query) == {copied_work}
    with container.sessions() as session:
        assert outdated_reference_ids(session, versions) == [ids[2]]  # kept, still reported
        actions = session.scalars(
            select(models.AuditEvent.action).where(models.AuditEvent.entity_id == ids[1])
        ).all()
        assert "work.reference_refingerprinted" in actions
        assert audit.verify_chain(session) == []
    container.close()

    container = bootstrap(settings)  # the saved index holds the redone reference
    assert _matched_works(container, query) == {copied_work}
    container.close()


def test_a_changed_file_is_refused(settings: Settings, tmp_path: Path) -> None:
    reference = tmp_path / "novel.txt"
    reference.write_text(_chapter(5), encoding="utf-8")
    container = bootstrap(settings)
    (outcome,) = register_files(container, [reference])
    container.close()
    _age_fingerprints(settings, [outcome.reference_id])  # type: ignore[list-item]
    reference.write_text(_chapter(6), encoding="utf-8")

    container = bootstrap(settings)
    (redone,) = refingerprint(container)
    assert redone.error is not None and "SHA-256" in redone.error
    with container.sessions() as session:
        row = session.scalars(select(models.Fingerprint)).one()
        assert row.version == container.signals["text"].version - 1  # left as it was
    container.close()
