"""The evidence ledger on SQLite and PostgreSQL: appends at commit, proofs that verify,
a log no concurrent writer forks, rows the database refuses to change, signed
checkpoints, key rotation and the audit head anchored."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from swordnet.bootstrap import Container, bootstrap
from swordnet.domain import merkle
from swordnet.services import audit, ledger
from swordnet.services.ledger.notes import VerifierKey, parse_checkpoint, verify_checkpoint
from swordnet.settings import Settings


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Container]:
    built = bootstrap(Settings(home=tmp_path / "home", database_url=database_url, workers=1))
    yield built
    built.close()


def _keys(app: Container) -> ledger.LedgerKeys:
    return ledger.LedgerKeys.from_settings(app.settings)


def test_record_appends_at_commit_and_proofs_verify(app: Container) -> None:
    with app.sessions() as session, session.begin():
        for number in range(37):
            ledger.record(session, "test.item", {"id": number, "name": f"item {number}"})
        assert ledger.tree_head(session).size == 0  # not before the commit
    with app.sessions() as session, session.begin():
        ledger.record(session, "test.item", {"id": 99})
        session.rollback()  # a rolled back leaf is never stored
    with app.sessions() as session:
        head = ledger.tree_head(session)
        assert head.size == 37
        hashes = [ledger.leaf(session, i).leaf_hash for i in range(37)]
        assert merkle.tree_hash(hashes) == head.root_hash == ledger.root_at(session, 37)
        row = ledger.leaf(session, 5)
        assert row.data == ledger.leaf_data("test.item", row.at, {"id": 5, "name": "item 5"})
        assert row.data.startswith(b'{"at":"') and b'"kind":"test.item"' in row.data
        assert row.leaf_hash == merkle.leaf_hash(row.data)
        assert ledger.leaves_for(session, "test.item", 5) == [5]
        for size in (1, 2, 13, 32, 37):
            root = ledger.root_at(session, size)
            assert root == merkle.tree_hash(hashes[:size])
            for index in range(size):
                proof = ledger.inclusion_proof(session, index, size)
                assert merkle.verify_inclusion(hashes[index], index, size, proof, root)
            for old in range(1, size + 1):
                proof = ledger.consistency_proof(session, old, size)
                old_root = merkle.tree_hash(hashes[:old])
                assert merkle.verify_consistency(old, size, old_root, root, proof)
        assert ledger.verify_log(session) == []


def test_concurrent_writers_never_fork_the_log(app: Container) -> None:
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            for batch in range(5):
                with app.sessions() as session, session.begin():
                    for item in range(3):
                        ledger.record(
                            session, "test.concurrent", {"w": number, "b": batch, "i": item}
                        )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.sessions() as session:
        assert ledger.tree_head(session).size == 6 * 5 * 3
        assert ledger.verify_log(session) == []


def test_the_database_refuses_changes(app: Container) -> None:
    with app.sessions() as session, session.begin():
        ledger.append_many(session, [("test.item", {"id": n}) for n in range(4)])
    statements = [
        "UPDATE ledger_leaf SET kind = 'forged' WHERE idx = 1",
        "DELETE FROM ledger_leaf WHERE idx = 3",
        "UPDATE ledger_node SET hash = hash WHERE level = 1",
        "DELETE FROM ledger_node",
        # an insert anywhere but at the end
        "INSERT INTO ledger_leaf (idx, kind, ref, at, data, leaf_hash) "
        "VALUES (7, 'x', NULL, CURRENT_TIMESTAMP, X'00', X'00')",
    ]
    if app.engine.dialect.name == "postgresql":
        statements = [s.replace("X'00'", "'\\x00'::bytea") for s in statements]
        statements.append("TRUNCATE ledger_leaf")
    for statement in statements:
        with pytest.raises(DatabaseError), app.engine.begin() as connection:
            connection.execute(text(statement))
    with app.sessions() as session:
        assert ledger.tree_head(session).size == 4
        assert ledger.verify_log(session) == []


def test_checkpoints_are_signed_consistent_and_anchor_the_audit_head(app: Container) -> None:
    keys = _keys(app)
    with app.sessions() as session, session.begin():
        audit.record(session, "tester", "test.event", "thing", 1)
        ledger.record(session, "test.item", {"id": 1})
    first = ledger.sign_checkpoint(app.sessions, keys)
    key_file = app.settings.ledger_dir / "signing-key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    verifier = VerifierKey.parse(keys.vkey())
    parsed = verify_checkpoint(first.text, verifier)
    assert (parsed.origin, parsed.size, parsed.root_hash) == (
        keys.origin,
        first.size,
        first.root_hash,
    )
    assert first.text.splitlines()[:4] == [
        keys.origin,
        str(first.size),
        base64.b64encode(first.root_hash).decode(),
        "",
    ]
    with app.sessions() as session:
        kinds = [ledger.leaf(session, i).kind for i in range(first.size)]
        assert kinds == ["test.item", ledger.KEY_CREATED, ledger.AUDIT_ANCHOR]
        anchor = ledger.leaf(session, 2).record
        head = audit.current_head(session)
        assert (anchor["seq"], anchor["hash"]) == (head.seq, head.hash)
        assert ledger.latest_checkpoint(session) == first

    with app.sessions() as session, session.begin():
        ledger.append_many(session, [("test.item", {"id": n}) for n in range(2, 40)])
    second = ledger.sign_checkpoint(app.sessions, keys)
    assert second.size == first.size + 38 + 1  # and one audit anchor
    with app.sessions() as session:
        proof = ledger.consistency_proof(session, first.size, second.size)
    assert merkle.verify_consistency(
        first.size, second.size, first.root_hash, second.root_hash, proof
    )
    # the published copy is the newest checkpoint
    published = list(app.settings.ledger_dir.glob("checkpoint-*.txt"))
    assert [p.read_text(encoding="utf-8") for p in published] == [second.text]


def test_a_tampered_checkpoint_does_not_verify(app: Container) -> None:
    keys = _keys(app)
    signed = ledger.sign_checkpoint(app.sessions, keys)
    verifier = VerifierKey.parse(keys.vkey())
    lines = signed.text.split("\n")
    forged = "\n".join([lines[0], str(int(lines[1]) + 1), *lines[2:]])
    with pytest.raises(ValueError, match="does not verify"):
        verify_checkpoint(forged, verifier)
    name, hint, key = keys.vkey().split("+", 2)
    with pytest.raises(ValueError, match="key ID"):
        VerifierKey.parse(f"{name}+{'0' * 8 if hint != '0' * 8 else '1' * 8}+{key}")
    with pytest.raises(ValueError, match="no signature"):
        verify_checkpoint(signed.text, VerifierKey.parse(f"{name}.other+" + _rekey(name, key)))
    assert parse_checkpoint(signed.text).signatures[0][0] == keys.name


def test_rotation_is_a_leaf_signed_by_both_keys(app: Container) -> None:
    keys = _keys(app)
    ledger.sign_checkpoint(app.sessions, keys)
    old_vkey = keys.vkey()
    rotated = ledger.rotate_key(app.sessions, keys)
    new_vkey = keys.vkey()
    assert new_vkey != old_vkey
    assert keys.known_vkeys() == [old_vkey, new_vkey]
    verify_checkpoint(rotated.text, VerifierKey.parse(new_vkey))
    with pytest.raises(ValueError):
        verify_checkpoint(rotated.text, VerifierKey.parse(old_vkey))
    with app.sessions() as session:
        (index,) = [
            i for i in range(rotated.size) if ledger.leaf(session, i).kind == ledger.KEY_ROTATED
        ]
        statement = json.loads(ledger.leaf(session, index).data)["record"]
    assert (statement["old_vkey"], statement["new_vkey"]) == (old_vkey, new_vkey)
    assert list((app.settings.ledger_dir / "retired").glob("*.pem"))


def test_a_rewritten_log_is_not_signed(app: Container) -> None:
    keys = _keys(app)
    with app.sessions() as session, session.begin():
        ledger.append_many(session, [("test.item", {"id": n}) for n in range(5)])
    ledger.sign_checkpoint(app.sessions, keys)
    # someone drops the triggers and rewrites a node: the next checkpoint is refused
    with app.engine.begin() as connection:
        if app.engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER ledger_node_no_update"))
        else:
            connection.execute(
                text("ALTER TABLE ledger_node DISABLE TRIGGER ledger_node_no_change")
            )
        connection.execute(
            text("UPDATE ledger_node SET hash = :h WHERE level = 2 AND idx = 0"),
            {"h": b"\x11" * 32},
        )
    with pytest.raises(ledger.LedgerError):
        ledger.sign_checkpoint(app.sessions, keys)
    with app.sessions() as session:
        assert any("does not match" in p for p in ledger.verify_log(session))


def _rekey(name: str, key: str) -> str:
    """The key ID and key of the same public key under the name ``name.other``."""
    from swordnet.services.ledger.notes import key_id

    public = base64.b64decode(key)[1:]
    return f"{key_id(name + '.other', public).hex()}+{key}"
